package io.tributary.source;

import io.tributary.config.TributaryConfig;
import java.io.Serializable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A configured source of raw records: Kafka, Kinesis or datagen. Every job reads through this, so
 * each job gets every source, bounded or not, with the same dead-letter coordinates.
 */
public interface RecordSource extends Serializable {

  /**
   * Adds the source to the job graph, decoding each record in the reader and generating watermarks
   * per partition, shard or split with {@code watermarks}.
   */
  <T> DataStream<T> addTo(
      StreamExecutionEnvironment env,
      RecordDecoder<T> decoder,
      WatermarkStrategy<T> watermarks,
      TypeInformation<T> type);

  /**
   * For sinks built on Flink's sink v2 with Iceberg 1.10.1 (cdc's dynamic sink): in bounded mode,
   * end only after checkpoints that cover every record, so nothing is left for the end-of-input
   * commit those sinks lose (see {@link EndAfterCheckpoint}). Other sources end anyway.
   */
  default RecordSource endingAfterCheckpoints() {
    return this;
  }

  /** True when the source stops by itself. */
  boolean bounded();

  /** A short description for logs and summaries, e.g. {@code kafka[orders] bounded}. */
  String describe();

  /** Builds the source that {@code source.type} names, validating its options now. */
  static RecordSource fromConfig(TributaryConfig config, String jobName) {
    boolean bounded = config.get(SourceOptions.GROUP, SourceOptions.BOUNDED);
    switch (config.get(SourceOptions.GROUP, SourceOptions.TYPE)) {
      case KAFKA:
        return KafkaRecordSource.fromConfig(config, jobName, bounded);
      case KINESIS:
        return KinesisRecordSource.fromConfig(config, jobName, bounded);
      case DATAGEN:
        return DatagenRecordSource.fromConfig(config, bounded);
      default:
        throw new IllegalStateException("unreachable");
    }
  }

  /** The uid and name of the source operator, stable across versions for savepoints. */
  default String uid() {
    return "source";
  }
}
