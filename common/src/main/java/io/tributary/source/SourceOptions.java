package io.tributary.source;

import io.tributary.config.EnumNames;
import io.tributary.config.OptionGroup;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

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
      ConfigOptions.key("type")
          .enumType(SourceType.class)
          .noDefaultValue()
          .withDescription("Where events come from.");

  public static final ConfigOption<Boolean> BOUNDED =
      ConfigOptions.key("bounded")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Stop at the positions that were latest when the job started (Kafka partitions,"
                  + " Kinesis shards), or after datagen.count events, then finish. For backfills,"
                  + " reprocessing and tests.");

  public static final OptionGroup GROUP =
      OptionGroup.of("source", "The source every job reads from.").add(TYPE, BOUNDED);
}
