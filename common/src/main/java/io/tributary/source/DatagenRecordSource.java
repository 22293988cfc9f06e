package io.tributary.source;

import io.tributary.config.TributaryConfig;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Flink's rate-limited {@link DataGeneratorSource} over {@link EcommerceEvents}. */
final class DatagenRecordSource implements RecordSource {
  private static final long serialVersionUID = 1L;

  private final EcommerceEvents events;
  private final double rate;
  private final long count;
  private final boolean bounded;

  private DatagenRecordSource(EcommerceEvents events, double rate, long count, boolean bounded) {
    this.events = events;
    this.rate = rate;
    this.count = count;
    this.bounded = bounded;
  }

  static DatagenRecordSource fromConfig(TributaryConfig c, boolean bounded) {
    var g = DatagenOptions.GROUP;
    double rate = c.get(g, DatagenOptions.RATE);
    if (!(rate > 0)) {
      throw c.invalid(g, DatagenOptions.RATE, "must be greater than 0 events per second.");
    }
    long count = c.get(g, DatagenOptions.COUNT);
    if (count <= 0) {
      throw c.invalid(g, DatagenOptions.COUNT, "must be at least 1.");
    }
    double bad = c.get(g, DatagenOptions.BAD_RATIO);
    if (bad < 0 || bad > 1) {
      throw c.invalid(g, DatagenOptions.BAD_RATIO, "must be between 0 and 1.");
    }
    double late = c.get(g, DatagenOptions.LATE_RATIO);
    if (late < 0 || late > 1) {
      throw c.invalid(g, DatagenOptions.LATE_RATIO, "must be between 0 and 1.");
    }
    long start = c.getOptional(g, DatagenOptions.START_TIME).orElse(System.currentTimeMillis());
    EcommerceEvents events =
        new EcommerceEvents(c.get(g, DatagenOptions.SEED), start, rate, bad, late);
    return new DatagenRecordSource(events, rate, count, bounded);
  }

  @Override
  public DataStream<RawRecord> addTo(StreamExecutionEnvironment env) {
    DataGeneratorSource<RawRecord> source =
        new DataGeneratorSource<>(
            events, bounded ? count : Long.MAX_VALUE, RateLimiterStrategy.perSecond(rate), TYPE);
    return env.fromSource(source, RecordSource.noWatermarks(), "datagen", TYPE).uid(uid());
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
