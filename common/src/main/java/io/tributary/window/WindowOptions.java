package io.tributary.window;

import io.tributary.config.EnumNames;
import io.tributary.config.OptionGroup;
import io.tributary.config.Options;
import io.tributary.config.Ranges;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;

/** Event-time windows and the aggregates computed over them (job.name = aggregate). */
public final class WindowOptions {
  private WindowOptions() {}

  /** Window kinds, as in Flink SQL's window table-valued functions. */
  public enum WindowType {
    /** Fixed, non-overlapping windows of window.size (SQL TUMBLE). */
    TUMBLING,
    /** Windows of window.size starting every window.slide (SQL HOP). */
    HOPPING,
    /** Per key, activity separated by gaps of at least window.gap (SQL SESSION). */
    SESSION;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  public static final ConfigOption<WindowType> TYPE =
      Options.key("window.type")
          .enumType(WindowType.class)
          .noDefaultValue()
          .withDescription("The kind of window. Required.");

  public static final ConfigOption<Duration> SIZE =
      Ranges.above(
          Duration.ZERO,
          ", e.g. 1 min",
          Options.key("window.size")
              .durationType()
              .noDefaultValue()
              .withDescription(
                  "Window length (tumbling, hopping). Windows align to the epoch, in UTC."));

  public static final ConfigOption<Duration> SLIDE =
      Ranges.above(
          Duration.ZERO,
          ", e.g. 1 min",
          Options.key("window.slide")
              .durationType()
              .noDefaultValue()
              .withDescription("How often a hopping window starts; at most window.size."));

  public static final ConfigOption<Duration> GAP =
      Ranges.above(
          Duration.ZERO,
          ", e.g. 1 min",
          Options.key("window.gap")
              .durationType()
              .noDefaultValue()
              .withDescription("Inactivity that closes a session (session windows)."));

  public static final ConfigOption<String> GROUP_BY =
      Options.key("group-by")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Key fields of format.schema, separated by ',' or ';'. They must be NOT NULL there: they"
                  + " become the table's identifier fields. Empty: one group.");

  public static final ConfigOption<String> AGGREGATES =
      Options.key("aggregates")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "`function(field) AS column`, separated by ',' or ';': count(*), count(f), sum(f), min(f),"
                  + " max(f), avg(f) on numeric fields (the result types follow Flink SQL's),"
                  + " count_distinct(f) (exact) on any field. Required.");

  public static final ConfigOption<Duration> ALLOWED_LATENESS =
      Ranges.atLeast(
          Duration.ZERO,
          Options.key("allowed-lateness")
              .durationType()
              .defaultValue(Duration.ZERO)
              .withDescription(
                  "How long after a window closes (watermark past its end) late events still update"
                      + " its row. Later events go to the dead-letter table with reason late."));

  public static final ConfigOption<Duration> EARLY_FIRE =
      Ranges.above(
          Duration.ZERO,
          ", e.g. 10 s",
          Options.key("early-fire.interval")
              .durationType()
              .noDefaultValue()
              .withDescription(
                  "Also write partial results of open windows this often (processing time); each"
                      + " firing updates the same row. Unset: results only when a window closes."));

  public static final OptionGroup GROUP =
      OptionGroup.of("aggregate", "Event-time windows and their aggregates (job.name = aggregate).")
          .add(TYPE, SIZE, SLIDE, GAP, GROUP_BY, AGGREGATES, ALLOWED_LATENESS, EARLY_FIRE);
}
