package io.tributary.cdc;

import io.tributary.format.AvroFrames;
import io.tributary.format.FormatOptions;
import io.tributary.metrics.Metrics;
import io.tributary.quality.DeadLetter;
import io.tributary.source.RawRecord;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes change records (Debezium JSON or Avro, DMS JSON) into {@link RowChange}s; what cannot be
 * applied leaves by the dead-letter side output with its reason and coordinates. Tombstones and DMS
 * control records are counted and skipped: they change no rows.
 */
public final class ChangeDecodeFunction extends ProcessFunction<RawRecord, RowChange> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ChangeDecodeFunction.class);

  private final String job;
  private final CdcOptions.Format format;
  private final CdcOptions.Position ordering;
  private final ChangeRows rows;
  private final OutputTag<DeadLetter> deadLetters;
  private final AvroFrames frames;
  private OutputTag<Tuple2<String, RawRecord>> keyless;
  private transient Counter in;
  private transient Counter dead;
  private transient Counter skipped;
  private transient LongCounter total;

  public ChangeDecodeFunction(
      String job,
      CdcOptions.Format format,
      CdcOptions.Position ordering,
      CdcTables tables,
      Set<FormatOptions.Lenient> lenient,
      OutputTag<DeadLetter> deadLetters) {
    this(job, format, ordering, tables, lenient, deadLetters, null);
  }

  /**
   * @param frames where the Avro formats' records get their schemas; null for the JSON formats
   */
  public ChangeDecodeFunction(
      String job,
      CdcOptions.Format format,
      CdcOptions.Position ordering,
      CdcTables tables,
      Set<FormatOptions.Lenient> lenient,
      OutputTag<DeadLetter> deadLetters,
      AvroFrames frames) {
    if ((format.registry() != null) != (frames != null)) {
      throw new IllegalArgumentException(format + " with schema registry " + frames);
    }
    this.frames = frames;
    this.job = job;
    this.format = format;
    this.ordering = ordering;
    this.rows = new ChangeRows(tables, lenient);
    this.deadLetters = deadLetters;
  }

  /**
   * DMS records of tables {@code cdc.primary-keys} does not name, with the create-table control
   * records that name keys, leave by {@code keyless} for {@link DmsKeys}, keyed by source table.
   * Without it such a data record is dead-lettered as missing-key at once.
   */
  public ChangeDecodeFunction withDmsKeysFromControlRecords(
      OutputTag<Tuple2<String, RawRecord>> keyless) {
    if (format != CdcOptions.Format.DMS_JSON) {
      throw new IllegalArgumentException("control records are DMS's, not " + format + "'s");
    }
    this.keyless = keyless;
    return this;
  }

  @Override
  public void open(Configuration parameters) {
    in = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_IN);
    dead = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_DEAD_LETTERED);
    skipped = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_SKIPPED);
    total = new LongCounter();
    getRuntimeContext().addAccumulator(Metrics.RECORDS_IN, total);
    if (frames != null) {
      frames.open();
    }
  }

  @Override
  public void processElement(RawRecord raw, Context ctx, Collector<RowChange> out) {
    in.inc();
    total.add(1);
    try {
      ChangeEvent event = decode(raw, ctx);
      if (event == null) {
        skipped.inc();
        return;
      }
      if (keyless != null && rows.configuredKey(event.table()) == null) {
        ctx.output(keyless, Tuple2.of(event.table().toString(), raw));
        return;
      }
      ChangeRows.MessageKey messageKey =
          () ->
              format == CdcOptions.Format.DEBEZIUM_JSON
                  ? DebeziumJson.keyColumns(raw.key)
                  : frames != null ? DebeziumAvro.keyColumns(frames, raw.key) : List.of();
      for (RowChange c : rows.convert(event, messageKey, raw.toString())) {
        out.collect(c);
      }
    } catch (ChangeDecodeException e) {
      dead.inc();
      ctx.output(deadLetters, e.deadLetter(job, raw));
    }
  }

  /**
   * Kinesis cannot carry a null value, so Debezium Server's Kinesis sink writes a tombstone as zero
   * bytes. On Kafka zero bytes are not a tombstone (those are null) and stay an {@code empty} dead
   * letter.
   */
  static boolean kinesisTombstone(RawRecord raw) {
    return "kinesis".equals(raw.sourceType) && raw.value != null && raw.value.length == 0;
  }

  /** The change, or null for records that change no rows. */
  private ChangeEvent decode(RawRecord raw, Context ctx) throws ChangeDecodeException {
    if (format != CdcOptions.Format.DMS_JSON && kinesisTombstone(raw)) {
      return null;
    }
    if (format == CdcOptions.Format.DEBEZIUM_JSON) {
      return DebeziumJson.decode(raw.value, ordering);
    }
    if (frames != null) {
      return DebeziumAvro.decode(frames, raw.value, ordering);
    }
    DmsJson.Record r = DmsJson.decode(raw.value);
    if (r.control != null) {
      LOG.info(
          "DMS control record {} for {} at {}: no rows change",
          r.control.operation,
          r.control.table,
          raw);
      DmsJson.Control c = r.control;
      if (keyless != null && c.table != null && !c.primaryKey.isEmpty()) {
        List<String> configured = rows.configuredKey(c.table);
        if (configured == null) {
          ctx.output(keyless, Tuple2.of(c.table.toString(), raw));
        } else if (!configured.equals(c.primaryKey)) {
          // cdc.primary-keys wins: the user said so, and the mirror may already be keyed by it
          LOG.warn(
              "DMS {} at {} names the primary key {} for {}; cdc.primary-keys names {}, which is"
                  + " used",
              c.operation,
              raw,
              c.primaryKey,
              c.table,
              configured);
        }
      }
      return null;
    }
    return r.change;
  }
}
