package io.tributary.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.metrics.Metrics;
import io.tributary.quality.DeadLetter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OrderingGuardTest {
  private final List<KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange>>
      harnesses = new ArrayList<>();
  private OrderingGuard lastGuard;

  @AfterEach
  void closeHarnesses() throws Exception {
    for (var h : harnesses) {
      h.close();
    }
  }

  static final OutputTag<DeadLetter> STALE =
      new OutputTag<>("stale", TypeInformation.of(DeadLetter.class));

  KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> harness(
      Duration ttl, OperatorSubtaskState restoreFrom) throws Exception {
    return harness(new OrderingGuard("cdc", ttl), restoreFrom);
  }

  KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> harness(
      OrderingGuard guard, OperatorSubtaskState restoreFrom) throws Exception {
    lastGuard = guard;
    KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(lastGuard), c -> c.key, Types.STRING);
    harnesses.add(h);
    h.setup(new RowChangeSerializer()); // as in the job, whose output type is RowChangeType
    if (restoreFrom != null) {
      h.initializeState(restoreFrom);
    }
    h.open();
    return h;
  }

  KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> harness(Duration ttl)
      throws Exception {
    return harness(ttl, null);
  }

  static final RowType TYPE =
      new RowType(List.of(new RowType.RowField("id", new BigIntType(false))));

  static RowChange change(String key, RowKind kind, long... position) {
    return new RowChange(
        "db.t",
        key,
        kind,
        position,
        new String[] {"id"},
        TYPE,
        GenericRowData.ofKind(kind, 1L),
        "test@" + key + "/" + kind.shortString() + java.util.Arrays.toString(position));
  }

  static RowChange insert(String key, long... position) {
    return change(key, RowKind.INSERT, position);
  }

  /** Feeds each change; returns the origins of the changes that came through, in order. */
  static List<String> feed(
      KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> h, RowChange... changes)
      throws Exception {
    int before = h.extractOutputValues().size();
    for (RowChange c : changes) {
      h.processElement(c, 0L);
    }
    List<RowChange> all = h.extractOutputValues();
    List<String> out = new ArrayList<>();
    for (RowChange c : all.subList(before, all.size())) {
      out.add(c.origin);
    }
    return out;
  }

  long staleCount() {
    Accumulator<Long, Long> a = lastGuard.getRuntimeContext().getAccumulator(Metrics.CHANGES_STALE);
    return a.getLocalValue();
  }

  @Test
  void olderPositionForTheSameKeyIsDropped() throws Exception {
    var h = harness(Duration.ZERO);
    RowChange newer = insert("k1", 5L, 10L);
    RowChange older = insert("k1", 5L, 9L);
    RowChange muchOlder = insert("k1", 4L, 99L);
    RowChange later = insert("k1", 5L, 11L);
    assertThat(feed(h, newer, older, muchOlder, later)).containsExactly(newer.origin, later.origin);
    assertThat(staleCount()).isEqualTo(2L);
    // the remembered position moved to the later change
    assertThat(feed(h, insert("k1", 5L, 10L))).isEmpty();
    assertThat(staleCount()).isEqualTo(3L);
  }

  @Test
  void equalPositionPasses() throws Exception {
    var h = harness(Duration.ZERO);
    RowChange first = insert("k1", 7L, 1L);
    RowChange same = change("k1", RowKind.DELETE, 7L, 1L);
    RowChange again = insert("k1", 7L, 1L);
    assertThat(feed(h, first, same, again))
        .containsExactly(first.origin, same.origin, again.origin);
    assertThat(staleCount()).isZero();
  }

  @Test
  void keysAreIndependent() throws Exception {
    var h = harness(Duration.ZERO);
    RowChange a = insert("a", 100L);
    RowChange b = insert("b", 1L);
    RowChange aOld = insert("a", 50L);
    RowChange bNext = insert("b", 2L);
    RowChange c = insert("c", 0L);
    assertThat(feed(h, a, b, aOld, bNext, c))
        .containsExactly(a.origin, b.origin, bNext.origin, c.origin);
    assertThat(h.numKeyedStateEntries()).isEqualTo(3);
  }

  @Test
  void deleteThenOlderInsertDoesNotResurrect() throws Exception {
    var h = harness(Duration.ZERO);
    RowChange insert = insert("k", 1L);
    RowChange delete = change("k", RowKind.DELETE, 5L);
    RowChange staleInsert = insert("k", 3L);
    RowChange newInsert = insert("k", 6L);
    assertThat(feed(h, insert, delete, staleInsert, newInsert))
        .containsExactly(insert.origin, delete.origin, newInsert.origin);
    List<RowChange> out = h.extractOutputValues();
    assertThat(out.get(1).kind).isEqualTo(RowKind.DELETE);
    assertThat(out.get(1).row.getRowKind()).isEqualTo(RowKind.DELETE);
  }

  @Test
  void shorterPositionThatIsAPrefixCountsAsOlder() throws Exception {
    var h = harness(Duration.ZERO);
    RowChange full = insert("k", 3L, 2443L, 1L);
    RowChange prefix = insert("k", 3L, 2443L);
    assertThat(feed(h, full, prefix)).containsExactly(full.origin);
  }

  @Test
  void stateSurvivesSnapshotAndRestore() throws Exception {
    var h = harness(Duration.ZERO);
    assertThat(feed(h, insert("a", 10L), change("b", RowKind.DELETE, 20L))).hasSize(2);
    OperatorSubtaskState snapshot = h.snapshot(1L, 1L);
    // changes after the snapshot are not in it
    assertThat(feed(h, insert("a", 30L))).hasSize(1);

    var restored = harness(Duration.ZERO, snapshot);
    RowChange aOld = insert("a", 9L);
    RowChange aSame = insert("a", 10L);
    RowChange bResurrect = insert("b", 19L);
    RowChange aAfterSnapshot = insert("a", 25L); // older than 30 but newer than the snapshot
    RowChange fresh = insert("c", 1L);
    assertThat(feed(restored, aOld, bResurrect, aSame, aAfterSnapshot, fresh))
        .containsExactly(aSame.origin, aAfterSnapshot.origin, fresh.origin);
    assertThat(staleCount()).isEqualTo(2L);
  }

  @Test
  void stateWithTtlAlsoSurvivesSnapshotAndRestore() throws Exception {
    var h = harness(Duration.ofDays(7));
    assertThat(feed(h, insert("a", 10L))).hasSize(1);
    OperatorSubtaskState snapshot = h.snapshot(1L, 1L);
    var restored = harness(Duration.ofDays(7), snapshot);
    assertThat(feed(restored, insert("a", 9L))).isEmpty();
  }

  @Test
  void expiredPositionsAreForgotten() throws Exception {
    var h = harness(Duration.ofMillis(100));
    h.setStateTtlProcessingTime(1_000L);
    RowChange first = insert("k", 10L);
    assertThat(feed(h, first)).containsExactly(first.origin);

    h.setStateTtlProcessingTime(1_099L); // within the TTL: still remembered
    assertThat(feed(h, insert("k", 9L))).isEmpty();

    // a dropped change does not refresh the TTL; only the write at 1000 counts
    h.setStateTtlProcessingTime(1_101L);
    RowChange replay = insert("k", 8L);
    assertThat(feed(h, replay)).containsExactly(replay.origin);

    // the replay set the position again, and it is remembered for another TTL
    h.setStateTtlProcessingTime(1_150L);
    assertThat(feed(h, insert("k", 7L))).isEmpty();
    assertThat(staleCount()).isEqualTo(2L);
  }

  @Test
  void aWriteRefreshesTheTtl() throws Exception {
    var h = harness(Duration.ofMillis(100));
    h.setStateTtlProcessingTime(0L);
    assertThat(feed(h, insert("k", 1L))).hasSize(1);
    h.setStateTtlProcessingTime(90L);
    assertThat(feed(h, insert("k", 2L))).hasSize(1);
    h.setStateTtlProcessingTime(150L); // 150 - 90 < 100: the second write still counts
    assertThat(feed(h, insert("k", 1L))).isEmpty();
  }

  static RowChange fromKafka(String key, long offset, long... position) {
    return new RowChange(
        "db.t",
        key,
        RowKind.INSERT,
        position,
        new String[] {"id"},
        TYPE,
        GenericRowData.ofKind(RowKind.INSERT, 7L),
        "kafka:orders/3@" + offset);
  }

  @Test
  void staleChangesAreDeadLetteredWithTheirCoordinatesWhenAsked() throws Exception {
    var h =
        harness(
            new OrderingGuard("cdc", Duration.ZERO, CdcOptions.StaleChanges.DEAD_LETTER, STALE),
            null);
    RowChange newer = fromKafka("k", 10, 1000L);
    RowChange older = fromKafka("k", 11, 100L);
    RowChange same = fromKafka("k", 12, 1000L);
    assertThat(feed(h, newer, older, same)).containsExactly(newer.origin, same.origin);
    assertThat(staleCount()).isEqualTo(1L);
    List<DeadLetter> dead = new ArrayList<>();
    h.getSideOutput(STALE).forEach(r -> dead.add(r.getValue()));
    assertThat(dead).hasSize(1);
    DeadLetter d = dead.get(0);
    assertThat(d.reason).isEqualTo("stale");
    assertThat(d.job).isEqualTo("cdc");
    assertThat(List.of(d.sourceType, d.stream, d.partition, d.position))
        .containsExactly("kafka", "orders", "3", "11");
    assertThat(d.errorMessage)
        .isEqualTo("db.t key (id=7) is at position [1000]; this change is older, at [100]");
    assertThat(new String(d.payload, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{id=7}");
  }

  @Test
  void staleChangesAreOnlyCountedByDefault() throws Exception {
    var h = harness(Duration.ZERO);
    RowChange newer = fromKafka("k", 10, 1000L);
    assertThat(feed(h, newer, fromKafka("k", 11, 100L))).containsExactly(newer.origin);
    assertThat(staleCount()).isEqualTo(1L);
    assertThat(h.getSideOutput(STALE)).isNull();
  }
}
