package io.tributary.source;

import io.tributary.config.GroupConfig;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Flink's rate-limited {@link DataGeneratorSource} over {@link EcommerceEvents}. */
final class DatagenRecordSource implements RecordSource, Cloneable {
  private static final long serialVersionUID = 1L;

  private final EcommerceEvents events;
  private final double rate;
  private final long count;
  private final boolean bounded;
  private int endAfterCheckpoints; // 0: end at once; set only on a copy

  private DatagenRecordSource(EcommerceEvents events, double rate, long count, boolean bounded) {
    this.events = events;
    this.rate = rate;
    this.count = count;
    this.bounded = bounded;
  }

  static DatagenRecordSource fromConfig(GroupConfig c, boolean bounded) {
    // Ranges are declared in DatagenOptions and checked by TributaryConfig.validate.
    double rate = c.get(DatagenOptions.RATE);
    long count = c.get(DatagenOptions.COUNT);
    double bad = c.get(DatagenOptions.BAD_RATIO);
    double late = c.get(DatagenOptions.LATE_RATIO);
    long start = c.getOptional(DatagenOptions.START_TIME).orElse(System.currentTimeMillis());
    EcommerceEvents events =
        new EcommerceEvents(c.get(DatagenOptions.SEED), start, rate, bad, late);
    return new DatagenRecordSource(events, rate, count, bounded);
  }

  @Override
  public <T> DataStream<T> addTo(
      StreamExecutionEnvironment env,
      RecordDecoder<T> decoder,
      WatermarkStrategy<T> watermarks,
      TypeInformation<T> type) {
    Source<T, ?, ?> source =
        new DataGeneratorSource<>(
            new Decoding<>(events, decoder),
            bounded ? count : Long.MAX_VALUE,
            RateLimiterStrategy.perSecond(rate),
            type);
    if (bounded && endAfterCheckpoints > 0 && env.getCheckpointConfig().isCheckpointingEnabled()) {
      source = new EndAfterCheckpoint<>(source, endAfterCheckpoints);
    }
    return env.fromSource(source, watermarks, "datagen", type).uid(uid());
  }

  @Override
  public RecordSource endingAfterCheckpoints(int checkpoints) {
    DatagenRecordSource copy = copy();
    copy.endAfterCheckpoints = checkpoints;
    return copy;
  }

  private DatagenRecordSource copy() {
    try {
      return (DatagenRecordSource) clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
  }

  /** Generates event {@code i} and decodes it in the same reader. */
  static final class Decoding<T> implements GeneratorFunction<Long, T> {
    private static final long serialVersionUID = 1L;

    private final EcommerceEvents events;
    private final RecordDecoder<T> decoder;

    Decoding(EcommerceEvents events, RecordDecoder<T> decoder) {
      this.events = events;
      this.decoder = decoder;
    }

    @Override
    public void open(SourceReaderContext context) throws Exception {
      events.open(context);
      decoder.open();
    }

    @Override
    public T map(Long index) {
      return decoder.decode(events.map(index));
    }
  }

  @Override
  public boolean bounded() {
    return bounded;
  }

  @Override
  public String describe() {
    return "datagen at " + rate + " events/s" + (bounded ? ", " + count + " events" : "");
  }
}
