package org.apache.iceberg.flink.sink.dynamic;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessageTypeInfo;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.FlinkWriteConf;

/**
 * {@link DynamicIcebergSink} whose pre-commit step keeps each checkpoint's writer results apart
 * (see the package documentation for why). Built like the original: {@code
 * PerCheckpointDynamicSink.forInput(stream).generator(..).catalogLoader(..)...append()}.
 */
public class PerCheckpointDynamicSink extends DynamicIcebergSink {
  private static final long serialVersionUID = 1L;

  private final CatalogLoader catalogLoader;
  private final String uidPrefix;
  private final int cacheMaximumSize;

  PerCheckpointDynamicSink(
      CatalogLoader catalogLoader,
      Map<String, String> snapshotProperties,
      String uidPrefix,
      Map<String, String> writeProperties,
      FlinkWriteConf flinkWriteConf,
      int cacheMaximumSize) {
    super(
        catalogLoader,
        snapshotProperties,
        uidPrefix,
        writeProperties,
        flinkWriteConf,
        cacheMaximumSize);
    this.catalogLoader = catalogLoader;
    this.uidPrefix = uidPrefix;
    this.cacheMaximumSize = cacheMaximumSize;
  }

  public static <T> Builder<T> forInput(DataStream<T> input) {
    Builder<T> builder = new Builder<>();
    builder.forInput(input);
    return builder;
  }

  /**
   * The same topology as the original (results keyed by table to the aggregator, with the same uid,
   * so savepoints of either restore), with the per-checkpoint aggregator.
   */
  @Override
  @SuppressWarnings("unchecked")
  public DataStream<CommittableMessage<DynamicCommittable>> addPreCommitTopology(
      DataStream<CommittableMessage<DynamicWriteResult>> writeResults) {
    TypeInformation<CommittableMessage<DynamicCommittable>> type =
        CommittableMessageTypeInfo.of(this::getCommittableSerializer);
    return writeResults
        .keyBy(
            m ->
                m instanceof CommittableSummary
                    ? "__summary"
                    : ((CommittableWithLineage<DynamicWriteResult>) m)
                        .getCommittable()
                        .key()
                        .tableName())
        .transform(
            uidPrefix + "-per-checkpoint-pre-commit",
            type,
            new CheckpointSeparatingAggregator(catalogLoader, cacheMaximumSize))
        .uid(uidPrefix + "--pre-commit-topology");
  }

  /** The original builder; only the sink it instantiates differs. */
  public static class Builder<T> extends DynamicIcebergSink.Builder<T> {
    // The parent keeps these private; the sink needs them, so the setters record them too.
    private CatalogLoader catalogLoader;
    private String uidPrefix = "";
    private int cacheMaximumSize = 100;
    private final Map<String, String> snapshotProperties = new HashMap<>();

    Builder() {}

    @Override
    public Builder<T> catalogLoader(CatalogLoader loader) {
      super.catalogLoader(loader);
      this.catalogLoader = loader;
      return this;
    }

    @Override
    public Builder<T> uidPrefix(String prefix) {
      super.uidPrefix(prefix);
      this.uidPrefix = prefix == null ? "" : prefix;
      return this;
    }

    @Override
    public Builder<T> cacheMaxSize(int maxSize) {
      super.cacheMaxSize(maxSize);
      this.cacheMaximumSize = maxSize;
      return this;
    }

    @Override
    public Builder<T> snapshotProperties(Map<String, String> properties) {
      super.snapshotProperties(properties);
      snapshotProperties.putAll(properties);
      return this;
    }

    @Override
    public Builder<T> setSnapshotProperty(String property, String value) {
      super.setSnapshotProperty(property, value);
      snapshotProperties.put(property, value);
      return this;
    }

    @Override
    DynamicIcebergSink instantiateSink(
        Map<String, String> writeProperties, FlinkWriteConf flinkWriteConf) {
      return new PerCheckpointDynamicSink(
          catalogLoader,
          snapshotProperties,
          uidPrefix,
          writeProperties,
          flinkWriteConf,
          cacheMaximumSize);
    }
  }
}
