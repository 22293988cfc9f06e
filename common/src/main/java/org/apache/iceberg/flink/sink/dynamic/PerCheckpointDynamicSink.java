package org.apache.iceberg.flink.sink.dynamic;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessageTypeInfo;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.FlinkWriteConf;
import org.apache.iceberg.flink.FlinkWriteOptions;

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
  // Writers take records forward from the generator (see Builder#appendForward)
  private boolean forward;

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

  @Override
  DataStream<DynamicRecordInternal> distributeDataStream(DataStream<DynamicRecordInternal> input) {
    return forward ? input : super.distributeDataStream(input);
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
    // The defaults are the parent's.
    private CatalogLoader catalogLoader;
    private String uidPrefix = "";
    private int cacheMaximumSize = 100;
    private long cacheRefreshMs = 1_000;
    private int inputSchemasPerTableCacheMaximumSize = 10;
    private final Map<String, String> snapshotProperties = new HashMap<>();
    private final Map<String, String> writeOptions = new HashMap<>();
    private DataStream<T> input;
    private DynamicRecordGenerator<T> generator;
    private boolean immediateUpdate;
    private Integer writeParallelism;
    private boolean forwardWhenPartitioned;

    Builder() {}

    @Override
    public Builder<T> forInput(DataStream<T> stream) {
      super.forInput(stream);
      this.input = stream;
      return this;
    }

    @Override
    public Builder<T> generator(DynamicRecordGenerator<T> recordGenerator) {
      super.generator(recordGenerator);
      this.generator = recordGenerator;
      return this;
    }

    @Override
    public Builder<T> immediateTableUpdate(boolean immediate) {
      super.immediateTableUpdate(immediate);
      this.immediateUpdate = immediate;
      return this;
    }

    @Override
    public Builder<T> writeParallelism(int parallelism) {
      super.writeParallelism(parallelism);
      this.writeParallelism = parallelism;
      writeOptions.put(FlinkWriteOptions.WRITE_PARALLELISM.key(), Integer.toString(parallelism));
      return this;
    }

    @Override
    public Builder<T> set(String property, String value) {
      super.set(property, value);
      writeOptions.put(property, value);
      return this;
    }

    @Override
    public Builder<T> setAll(Map<String, String> properties) {
      super.setAll(properties);
      writeOptions.putAll(properties);
      return this;
    }

    @Override
    public Builder<T> overwrite(boolean newOverwrite) {
      super.overwrite(newOverwrite);
      writeOptions.put(FlinkWriteOptions.OVERWRITE_MODE.key(), Boolean.toString(newOverwrite));
      return this;
    }

    @Override
    public Builder<T> toBranch(String branch) {
      super.toBranch(branch);
      writeOptions.put(FlinkWriteOptions.BRANCH.key(), branch);
      return this;
    }

    @Override
    public Builder<T> flinkConf(ReadableConfig config) {
      super.flinkConf(config);
      this.flinkConf = config;
      return this;
    }

    private ReadableConfig flinkConf = new Configuration();

    @Override
    public Builder<T> cacheRefreshMs(long refreshMs) {
      super.cacheRefreshMs(refreshMs);
      this.cacheRefreshMs = refreshMs;
      return this;
    }

    @Override
    public Builder<T> inputSchemasPerTableCacheMaxSize(int maxSize) {
      super.inputSchemasPerTableCacheMaxSize(maxSize);
      this.inputSchemasPerTableCacheMaximumSize = maxSize;
      return this;
    }

    /**
     * The input is already partitioned so that one key's records stay on one subtask, and the
     * writers may take them where they are: no second shuffle by Iceberg's writer key. The caller's
     * partitioning then decides which writer a key reaches, so it must keep each key (each
     * equality-field value) on one subtask.
     */
    public Builder<T> inputPartitionedByKey() {
      this.forwardWhenPartitioned = true;
      return this;
    }

    /**
     * Without the table-update branch (immediate updates leave it empty) and, for input partitioned
     * by key with as many writers as input subtasks, without the shuffle before the writers: the
     * generator and the writer then run chained in the input's task, and a record is neither
     * serialized nor sent, and each record's table, schema and spec are resolved once per shape
     * ({@link ForwardRecordProcessor}). Otherwise the original topology.
     */
    @Override
    public DataStreamSink<DynamicRecordInternal> append() {
      boolean sameParallelism =
          writeParallelism == null || writeParallelism == input.getParallelism();
      if (!forwardWhenPartitioned || !immediateUpdate || !sameParallelism) {
        return super.append();
      }
      PerCheckpointDynamicSink sink =
          (PerCheckpointDynamicSink)
              instantiateSink(writeOptions, new FlinkWriteConf(writeOptions, flinkConf));
      sink.forward = true;
      String prefix = uidPrefix + "-";
      return input
          .process(
              new ForwardRecordProcessor<>(
                  generator,
                  new DynamicRecordProcessor<>(
                      generator,
                      catalogLoader,
                      true,
                      cacheMaximumSize,
                      cacheRefreshMs,
                      inputSchemasPerTableCacheMaximumSize),
                  cacheRefreshMs))
          .uid(prefix + "-generator")
          .name(prefix + "generator")
          .returns(new DynamicRecordInternalType(catalogLoader, false, cacheMaximumSize))
          .sinkTo(sink)
          .uid(prefix + "-sink")
          .setParallelism(input.getParallelism());
    }

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
