package io.tributary.source;

import io.tributary.config.GroupConfig;
import io.tributary.source.kinesis.KinesisRecordSource;
import io.tributary.source.kinesis.KinesisSettings;
import java.io.Serializable;
import java.time.Duration;
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
   * For every Iceberg sink here, in bounded mode: end only after checkpoints that cover every
   * record, so nothing is left for the end-of-input commit, which Iceberg 1.10.1 gets wrong on
   * Flink 1.20.3 both in its sink v2 (never committed) and in {@code FlinkSink}'s committer (one
   * writer's files replaced by another's). See {@link EndAfterCheckpoint}. Without checkpoints,
   * sources end at once (one end-of-input commit then holds every writer's files).
   */
  default RecordSource endingAfterCheckpoints(int checkpoints) {
    return this;
  }

  /**
   * For a source that generates watermarks inside its connector (Kinesis, per shard): how long a
   * shard may stay quiet before it no longer holds the watermark back. Other sources get idleness
   * from the watermark strategy given to {@link #addTo}. Returns a copy; zero means never idle.
   */
  default RecordSource withShardIdleness(Duration idleness) {
    return this;
  }

  /**
   * A reader of single records by their coordinates, or null when this source cannot read a record
   * again (Kinesis and datagen today): operators then carry what they may need instead.
   */
  default RecordRefetch refetch() {
    return null;
  }

  /** True when the source stops by itself. */
  boolean bounded();

  /** A short description for logs and summaries, e.g. {@code kafka[orders] bounded}. */
  String describe();

  /**
   * Builds the source that {@code source.type} names, validating its options now. Each argument is
   * the view {@link io.tributary.config.TributaryConfig#group} gives of that group; only the one
   * {@code source.type} names is read.
   */
  static RecordSource fromConfig(
      GroupConfig source,
      GroupConfig kafka,
      GroupConfig kinesis,
      GroupConfig datagen,
      String jobName) {
    boolean bounded = source.get(SourceOptions.BOUNDED);
    switch (source.get(SourceOptions.TYPE)) {
      case KAFKA:
        return KafkaRecordSource.fromConfig(kafka, jobName, bounded);
      case KINESIS:
        return new KinesisRecordSource(
            KinesisSettings.fromConfig(kinesis, jobName), jobName, bounded);
      case DATAGEN:
        return DatagenRecordSource.fromConfig(datagen, bounded);
      default:
        throw new IllegalStateException("unreachable");
    }
  }

  /** The uid and name of the source operator, stable across versions for savepoints. */
  default String uid() {
    return "source";
  }
}
