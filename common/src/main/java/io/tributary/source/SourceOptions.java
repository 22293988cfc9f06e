package io.tributary.source;

import io.tributary.config.EnumNames;
import io.tributary.config.GroupConfig;
import io.tributary.config.OptionGroup;
import io.tributary.config.Options;
import io.tributary.config.Ranges;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;

/** Which source feeds the job, and whether it stops. */
public final class SourceOptions {
  private SourceOptions() {}

  /** The source kinds. */
  public enum SourceType {
    KAFKA,
    KINESIS,
    DATAGEN;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  public static final ConfigOption<SourceType> TYPE =
      Options.key("type")
          .enumType(SourceType.class)
          .noDefaultValue()
          .withDescription("Where events come from.");

  public static final ConfigOption<Boolean> BOUNDED =
      Options.key("bounded")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Stop at the positions that were latest when the job started (Kafka partitions,"
                  + " Kinesis shards), or after datagen.count events, then finish. For backfills,"
                  + " reprocessing and tests.");

  public static final ConfigOption<Duration> END_CHECKPOINT_INTERVAL =
      Ranges.atLeast(
          Duration.ofMillis(10),
          Options.key("end-checkpoint-interval")
              .durationType()
              .defaultValue(Duration.ofSeconds(1))
              .withDescription(
                  "Bounded Kafka and datagen runs: the checkpoint interval once every reader is out"
                      + " of records. A bounded run ends after a checkpoint that covers its last"
                      + " record (cdc: two), so it ends about this long after its data instead of up"
                      + " to job.checkpoint.interval later; until then, checkpoints keep"
                      + " job.checkpoint.interval (Flink's interval-during-backlog). Much shorter"
                      + " than 1 s, the next checkpoint can fire while the finished tasks close,"
                      + " and Flink logs it as declined (harmless)."));

  /** True when the run's covering checkpoint is triggered as soon as every reader is done. */
  public static boolean endsOnDemand(GroupConfig source) {
    return source.get(BOUNDED) && source.get(TYPE) != SourceType.KINESIS;
  }

  public static final OptionGroup GROUP =
      OptionGroup.of("source", "The source every job reads from.")
          .add(TYPE, BOUNDED, END_CHECKPOINT_INTERVAL);
}
