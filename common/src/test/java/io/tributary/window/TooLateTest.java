package io.tributary.window;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.format.JsonEvents;
import io.tributary.quality.DeadLetter;
import io.tributary.source.RawRecord;
import io.tributary.source.RecordRefetch;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;
import org.junit.jupiter.api.Test;

/**
 * The dead letter of a too-late event: with every column carried, the decoded event; with only the
 * windows' columns ({@link WindowColumns}), the record read again from its source, or, when that
 * fails, the columns that came and why.
 */
class TooLateTest {
  private static final RowType EVENT =
      RowType.of(
          new org.apache.flink.table.types.logical.LogicalType[] {
            new VarCharType(false, VarCharType.MAX_LENGTH),
            new VarCharType(true, VarCharType.MAX_LENGTH),
            new DecimalType(10, 2),
            new LocalZonedTimestampType(3)
          },
          new String[] {"k", "note", "amount", "ts"});

  private static final int[] WINDOW_COLUMNS = {0, 2};
  private static final String SENT = "{\"k\":\"a\", \"note\":\"n\", \"amount\":100.00, \"ts\":3}";

  /** A source that holds the record at t/0@5, has lost every other, or cannot be reached. */
  static final class FakeRefetch implements RecordRefetch {
    private static final long serialVersionUID = 1L;
    final boolean reachable;
    boolean closed;

    FakeRefetch(boolean reachable) {
      this.reachable = reachable;
    }

    @Override
    public RawRecord read(String stream, String partition, String position) throws Exception {
      if (!reachable) {
        throw new java.io.IOException("broker 127.0.0.1:1 unreachable");
      }
      return stream.equals("t") && partition.equals("0") && position.equals("5")
          ? new RawRecord("kafka", "t", "0", "5", 42L, "key".getBytes(UTF_8), SENT.getBytes(UTF_8))
          : null;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private static RowData event(boolean whole, String offset) {
    return GenericRowData.of(
        StringData.fromString("a"),
        whole ? StringData.fromString("n") : null,
        DecimalData.fromBigDecimal(new BigDecimal("100.00"), 10, 2),
        whole ? org.apache.flink.table.data.TimestampData.fromEpochMillis(3_000) : null,
        StringData.fromString("kafka"),
        StringData.fromString("t"),
        StringData.fromString("0"),
        StringData.fromString(offset));
  }

  private static DeadLetter judge(TooLate tooLate, RowData event) throws Exception {
    try (OneInputStreamOperatorTestHarness<RowData, DeadLetter> h =
        ProcessFunctionTestHarnesses.forProcessFunction(tooLate)) {
      h.processWatermark(50_000);
      h.processElement(event, 3_000);
      List<DeadLetter> out = h.extractOutputValues();
      assertThat(out).hasSize(1);
      DeadLetter d = out.get(0);
      assertThat(d.reason).isEqualTo("late");
      assertThat(d.eventTime).isEqualTo(3_000);
      assertThat(d.watermark).isEqualTo(50_000);
      assertThat(d.sourceType).isEqualTo("kafka");
      assertThat(d.stream).isEqualTo("t");
      assertThat(d.partition).isEqualTo("0");
      assertThat(d.position).isEqualTo(event.getString(7).toString());
      return d;
    }
  }

  private static TooLate tooLate(RecordRefetch refetch, int[] carried) {
    return new TooLate("aggregate", EVENT, Duration.ofSeconds(20), -1, refetch, carried);
  }

  @Test
  void withEveryColumnThePayloadIsTheDecodedEvent() throws Exception {
    DeadLetter d = judge(tooLate(null, null), event(true, "5"));
    // Flink's JSON writer drops a decimal's trailing zeros: the value, not the text, that was sent
    assertThat(new String(d.payload, UTF_8))
        .isEqualTo("{\"k\":\"a\",\"note\":\"n\",\"amount\":100,\"ts\":\"1970-01-01T00:00:03Z\"}");
    assertThat(d.errorMessage).contains("(payload: the decoded event as JSON)");
  }

  @Test
  void withTheWindowsColumnsThePayloadIsTheRecordReadAgain() throws Exception {
    FakeRefetch refetch = new FakeRefetch(true);
    DeadLetter d = judge(tooLate(refetch, WINDOW_COLUMNS), event(false, "5"));
    assertThat(new String(d.payload, UTF_8)).isEqualTo(SENT);
    assertThat(new String(d.key, UTF_8)).isEqualTo("key");
    assertThat(d.sourceTimestamp).isEqualTo(42L);
    assertThat(d.errorMessage).contains("(payload: the record as read again from its source)");
    assertThat(refetch.closed).isTrue();
  }

  @Test
  void aRecordTheSourceNoLongerHoldsLeavesTheColumnsThatCame() throws Exception {
    DeadLetter d = judge(tooLate(new FakeRefetch(true), WINDOW_COLUMNS), event(false, "6"));
    // only k and amount: the dropped columns are not shown as nulls
    assertThat(new String(d.payload, UTF_8)).isEqualTo("{\"k\":\"a\",\"amount\":100}");
    assertThat(d.key).isNull();
    assertThat(d.errorMessage)
        .contains(
            "payload: only the columns the windows read, as JSON; the record could not be read"
                + " again: the source no longer holds it");
  }

  @Test
  void anUnreachableSourceIsNamedInTheMessage() throws Exception {
    DeadLetter d = judge(tooLate(new FakeRefetch(false), WINDOW_COLUMNS), event(false, "5"));
    assertThat(new String(d.payload, UTF_8)).isEqualTo("{\"k\":\"a\",\"amount\":100}");
    assertThat(d.errorMessage)
        .contains("could not be read again: java.io.IOException: broker 127.0.0.1:1 unreachable");
  }

  @Test
  void windowColumnsKeepKeysAggregatedFieldsAndCoordinatesOnly() throws Exception {
    RowType type = JsonEvents.withSourceColumns(EVENT);
    var config =
        io.tributary.config.Configs.of(
            "format.schema",
            "k STRING NOT NULL, note STRING, amount DECIMAL(10, 2), ts TIMESTAMP_LTZ(3)",
            "format.event-time.field",
            "ts",
            "aggregate.window.type",
            "tumbling",
            "aggregate.window.size",
            "10 s",
            "aggregate.group-by",
            "k",
            "aggregate.aggregates",
            "count(*) AS n, sum(amount) AS total");
    WindowSpec spec =
        WindowSpec.fromConfig(
            config.group(WindowOptions.GROUP),
            io.tributary.format.EventSchema.fromConfig(
                config.group(io.tributary.format.FormatOptions.GROUP)));
    WindowColumns columns = WindowColumns.of(spec, type, EVENT.getFieldCount());
    assertThat(columns.eventColumns(EVENT.getFieldCount())).containsExactly(WINDOW_COLUMNS);
    RowData kept = columns.map(event(true, "5"));
    assertThat(kept.getArity()).isEqualTo(8);
    assertThat(kept.getString(0).toString()).isEqualTo("a");
    assertThat(kept.isNullAt(1)).isTrue();
    assertThat(kept.getDecimal(2, 10, 2).toBigDecimal()).isEqualByComparingTo("100.00");
    assertThat(kept.isNullAt(3)).isTrue();
    for (int i = 4; i < 8; i++) {
      assertThat(kept.isNullAt(i)).isFalse();
    }
    assertThat(kept.getString(7).toString()).isEqualTo("5");
  }
}
