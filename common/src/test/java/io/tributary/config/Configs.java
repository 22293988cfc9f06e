package io.tributary.config;

import io.tributary.cdc.CdcOptions;
import io.tributary.format.FormatOptions;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.iceberg.MaintenanceOptions;
import io.tributary.runtime.JobOptions;
import io.tributary.source.DatagenOptions;
import io.tributary.source.KafkaOptions;
import io.tributary.source.SourceOptions;
import io.tributary.source.kinesis.KinesisOptions;
import io.tributary.window.WindowOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds validated configurations in tests: {@code Configs.of("source.type", "kafka", ...)}. */
public final class Configs {
  private Configs() {}

  /**
   * Every option group of the suite, in the order {@code io.tributary.jobs.TributaryOptions} lists
   * them (messages and the reference follow it). That list lives above {@code common}; two tests
   * keep this copy true: {@code OptionGroupsTest} here (every declared group, once) and {@code
   * TributaryOptionsTest} in {@code jobs} (the same order).
   */
  public static final List<OptionGroup> ALL =
      List.of(
          JobOptions.GROUP,
          SourceOptions.GROUP,
          KafkaOptions.GROUP,
          KinesisOptions.GROUP,
          DatagenOptions.GROUP,
          FormatOptions.GROUP,
          IcebergOptions.GROUP,
          WindowOptions.GROUP,
          CdcOptions.GROUP,
          MaintenanceOptions.GROUP);

  /** Pairs of {@code group.key} and value. */
  public static Map<String, Map<String, String>> groups(String... pairs) {
    Map<String, Map<String, String>> groups = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      String k = pairs[i];
      int dot = k.indexOf('.');
      groups
          .computeIfAbsent(k.substring(0, dot), g -> new LinkedHashMap<>())
          .put(k.substring(dot + 1), pairs[i + 1]);
    }
    return groups;
  }

  public static TributaryConfig of(String... pairs) {
    return TributaryConfig.validate(groups(pairs), ALL);
  }
}
