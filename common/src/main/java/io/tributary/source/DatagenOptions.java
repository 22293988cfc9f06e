package io.tributary.source;

import io.tributary.config.OptionGroup;
import io.tributary.config.Options;
import io.tributary.config.Ranges;
import org.apache.flink.configuration.ConfigOption;

/** The built-in generator of e-commerce events, for the demo and the benchmarks. */
public final class DatagenOptions {
  private DatagenOptions() {}

  public static final ConfigOption<Double> RATE =
      Ranges.above(
          0.0,
          " events per second",
          Options.key("rate")
              .doubleType()
              .defaultValue(5000.0)
              .withDescription("Events per second, over all parallel instances."));

  public static final ConfigOption<Long> COUNT =
      Ranges.atLeast(
          1L,
          Options.key("count")
              .longType()
              .defaultValue(100_000L)
              .withDescription("Events to generate when source.bounded is true."));

  public static final ConfigOption<Long> SEED =
      Ranges.any(
          Options.key("seed")
              .longType()
              .defaultValue(42L)
              .withDescription("Seed: the same seed gives the same events."));

  public static final ConfigOption<Double> BAD_RATIO =
      Ranges.between(
          0.0,
          1.0,
          Options.key("bad-ratio")
              .doubleType()
              .defaultValue(0.01)
              .withDescription(
                  "Share of malformed events (broken JSON, wrong types, missing fields)."));

  public static final ConfigOption<Double> LATE_RATIO =
      Ranges.between(
          0.0,
          1.0,
          Options.key("late-ratio")
              .doubleType()
              .defaultValue(0.02)
              .withDescription("Share of events whose event time lags by 1 to 10 minutes."));

  public static final ConfigOption<Long> START_TIME =
      Ranges.atLeast(
          0L,
          Options.key("start-time")
              .longType()
              .noDefaultValue()
              .withDescription(
                  "Event time of the first event, epoch milliseconds. Default: when the job starts."));

  public static final OptionGroup GROUP =
      OptionGroup.of("datagen", "Built-in event generator (source.type = datagen).")
          .add(RATE, COUNT, SEED, BAD_RATIO, LATE_RATIO, START_TIME);
}
