package io.tributary.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.quality.DeadLetter;
import io.tributary.source.RawRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;

class DmsKeysTest {
  static final OutputTag<DeadLetter> DEAD =
      new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));
  static final Duration WAIT = Duration.ofMinutes(5);

  static KeyedOneInputStreamOperatorTestHarness<String, Tuple2<String, RawRecord>, RowChange>
      harness(OperatorSubtaskState restoreFrom) throws Exception {
    CdcTables tables = new CdcTables("lake", Map.of(), Map.of(), Map.of(), Map.of());
    KeyedOneInputStreamOperatorTestHarness<String, Tuple2<String, RawRecord>, RowChange> h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new DmsKeys("cdc", tables, Set.of(), DEAD, WAIT)),
            t -> t.f0,
            Types.STRING);
    h.setup(new RowChangeSerializer());
    if (restoreFrom != null) {
      h.initializeState(restoreFrom);
    }
    h.open();
    return h;
  }

  static int position;

  static StreamRecord<Tuple2<String, RawRecord>> record(String json) {
    RawRecord raw =
        new RawRecord(
            "kinesis",
            "dms",
            "shardId-000000000001",
            Integer.toString(++position),
            -1,
            null,
            json.getBytes(StandardCharsets.UTF_8));
    return new StreamRecord<>(Tuple2.of("sales.customers", raw));
  }

  static StreamRecord<Tuple2<String, RawRecord>> data(String op, long id, String name, int s) {
    return record(
        "{\"data\":{\"customer_id\":"
            + id
            + ",\"name\":\""
            + name
            + "\"},\"metadata\":{\"timestamp\":\"2024-05-14T09:00:0"
            + s
            + "Z\",\"record-type\":\"data\",\"operation\":\""
            + op
            + "\",\"schema-name\":\"sales\",\"table-name\":\"customers\"}}");
  }

  static StreamRecord<Tuple2<String, RawRecord>> createTable() {
    return record(
        "{\"control\":{\"table-def\":{\"columns\":{},\"primary-key\":[\"customer_id\"]}},"
            + "\"metadata\":{\"timestamp\":\"2024-05-14T08:59:59Z\",\"record-type\":\"control\","
            + "\"operation\":\"create-table\",\"schema-name\":\"sales\","
            + "\"table-name\":\"customers\"}}");
  }

  static List<String> emitted(
      KeyedOneInputStreamOperatorTestHarness<String, Tuple2<String, RawRecord>, RowChange> h) {
    return h.extractOutputValues().stream()
        .map(c -> c.kind.shortString() + " " + c.describeKey())
        .collect(Collectors.toList());
  }

  @Test
  void changesBeforeTheControlRecordWaitForItAndGoOnInOrderAndTheKeySurvivesARestore()
      throws Exception {
    var h = harness(null);
    h.processElement(data("load", 1, "a", 1));
    h.processElement(data("update", 1, "b", 2));
    h.processElement(data("delete", 1, "b", 3));
    assertThat(h.extractOutputValues()).isEmpty();
    h.processElement(createTable());
    h.processElement(data("insert", 2, "c", 4));
    assertThat(emitted(h))
        .containsExactly(
            "+I (customer_id=1)", "+I (customer_id=1)", "-D (customer_id=1)", "+I (customer_id=2)");
    assertThat(h.extractOutputValues().get(2).kind).isEqualTo(RowKind.DELETE);
    OperatorSubtaskState snapshot = h.snapshot(1, 1);
    h.close();

    var restored = harness(snapshot);
    restored.processElement(data("update", 2, "d", 5));
    assertThat(emitted(restored)).containsExactly("+I (customer_id=2)");
    assertThat(restored.getSideOutput(DEAD)).isNull();
    restored.close();
  }

  @Test
  void withoutAControlRecordTheWaitingChangesAreMissingKeyDeadLettersAfterTheWait()
      throws Exception {
    var h = harness(null);
    h.setProcessingTime(0);
    h.processElement(data("insert", 1, "a", 1));
    h.processElement(data("insert", 2, "b", 2));
    h.setProcessingTime(WAIT.toMillis() - 1);
    assertThat(h.getSideOutput(DEAD)).isNull();
    h.setProcessingTime(WAIT.toMillis());
    List<DeadLetter> dead =
        h.getSideOutput(DEAD).stream().map(StreamRecord::getValue).collect(Collectors.toList());
    assertThat(dead).extracting(d -> d.reason).containsExactly("missing-key", "missing-key");
    assertThat(dead).extracting(d -> d.partition).containsOnly("shardId-000000000001");
    assertThat(dead.get(0).errorMessage)
        .isEqualTo(
            "no primary key for table sales.customers: no DMS create-table control record named"
                + " it within PT5M; set cdc.primary-keys (e.g. sales.customers=id)");
    assertThat(h.extractOutputValues()).isEmpty();
    h.close();
  }
}
