package io.tributary.cdc.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.cdc.CdcOptions.SchemaChanges;
import io.tributary.cdc.ChangeEvent;
import io.tributary.cdc.ChangeEvent.Op;
import io.tributary.cdc.ChangeRows;
import io.tributary.cdc.RowChange;
import io.tributary.cdc.RowChangeSerializer;
import io.tributary.cdc.TableId;
import io.tributary.config.Configs;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.quality.DeadLetter;
import io.tributary.testing.Components;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.OutputTag;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table stage on its own, against a real (hadoop) catalog: tables created and evolved, and the
 * rule that a table's schema only switches between checkpoints, including across a restore.
 */
class ChangeTablesTest {
  static final OutputTag<DeadLetter> DEAD =
      new OutputTag<>("schema-mismatch", TypeInformation.of(DeadLetter.class));

  static final String REGISTRY = "cdc_dead_letters";

  @TempDir Path dir;
  long lsn = 10;

  IcebergCatalog catalog() {
    return Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
  }

  OneInputStreamOperatorTestHarness<RowChange, RowChange> harness() throws Exception {
    // the job creates its dead-letter table before any change is read
    catalog()
        .with(
            c ->
                c.tableExists(TableIdentifier.of("lake", REGISTRY))
                    ? null
                    : c.createTable(
                        TableIdentifier.of("lake", REGISTRY),
                        new Schema(
                            Types.NestedField.required(1, "reason", Types.StringType.get()))));
    OneInputStreamOperatorTestHarness<RowChange, RowChange> h =
        new OneInputStreamOperatorTestHarness<>(
            new ChangeTables(
                "cdc",
                catalog(),
                SchemaChanges.EVOLVE,
                DEAD,
                REGISTRY,
                Components.cdcTables(
                    Configs.of("cdc.format", "debezium-json", "cdc.primary-keys", "items=id"))));
    h.setup(new RowChangeSerializer());
    return h;
  }

  List<RowChange> changes(Op op, Object... keyValues) throws Exception {
    ChangeRows rows =
        new ChangeRows(
            Components.cdcTables(
                Configs.of("cdc.format", "debezium-json", "cdc.primary-keys", "items=id")));
    Map<String, Object> image = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      image.put((String) keyValues[i], keyValues[i + 1]);
    }
    ChangeEvent e =
        new ChangeEvent(
            op,
            new TableId("app", "public", "items"),
            op == Op.DELETE ? image : null,
            op == Op.DELETE ? null : image,
            List.of(),
            new long[] {lsn += 10},
            -1);
    return rows.convert(e, List.of(), "kafka:t/0@" + lsn);
  }

  void send(OneInputStreamOperatorTestHarness<RowChange, RowChange> h, List<RowChange> cs)
      throws Exception {
    for (RowChange c : cs) {
      h.processElement(new StreamRecord<>(c));
    }
  }

  static List<String> described(List<RowChange> out) {
    return out.stream()
        .map(c -> c.kind.shortString() + " " + c.type.getFieldNames() + " " + c.describeRow())
        .collect(Collectors.toList());
  }

  void passCheckpoint(OneInputStreamOperatorTestHarness<RowChange, RowChange> h, long id)
      throws Exception {
    h.snapshot(id, id);
    h.setProcessingTime(h.getProcessingTime() + 1); // fires the release timer
  }

  @Test
  void aMirroredTableIsListedInTheDeadLetterTableBeforeItsFirstRowLeaves() throws Exception {
    try (OneInputStreamOperatorTestHarness<RowChange, RowChange> h = harness()) {
      h.open();
      send(h, changes(Op.INSERT, "id", 1L, "name", "one"));
      assertThat(h.extractOutputValues()).hasSize(1);
      Map<String, String> listed =
          catalog()
              .with(c -> c.loadTable(TableIdentifier.of("lake", REGISTRY)).properties())
              .entrySet()
              .stream()
              .filter(e -> e.getKey().startsWith(MirroredTables.PREFIX))
              .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
      assertThat(listed).isEqualTo(Map.of("tributary.cdc.mirrored.app.public_items", "cdc"));
    }
  }

  @Test
  void aSchemaChangeHoldsItsTableUntilTheNextCheckpointThenReleasesInOrder() throws Exception {
    try (OneInputStreamOperatorTestHarness<RowChange, RowChange> h = harness()) {
      h.open();
      send(h, changes(Op.INSERT, "id", 1L, "name", "one"));
      assertThat(described(h.extractOutputValues()))
          .containsExactly("+I [id, name] {id=1, name=one}");

      send(h, changes(Op.INSERT, "id", 2L, "name", "two", "note", "new column"));
      send(h, changes(Op.DELETE, "id", 1L));
      send(h, changes(Op.UPDATE, "id", 1L, "name", "uno"));
      // the table already has the column; the changes wait for the checkpoint
      assertThat(h.extractOutputValues()).hasSize(1);
      String schema =
          catalog()
              .with(c -> c.loadTable(TableIdentifier.parse("app.public_items")).schema())
              .toString();
      assertThat(schema).contains("note: optional string");

      passCheckpoint(h, 1);
      assertThat(described(h.extractOutputValues()))
          .containsExactly(
              "+I [id, name] {id=1, name=one}",
              "+I [id, name, note] {id=2, name=two, note=new column}",
              "-D [id, name, note] {id=1, name=null, note=null}",
              "+I [id, name, note] {id=1, name=uno, note=null}");
      assertThat(h.extractOutputValues().get(2).row.getRowKind()).isEqualTo(RowKind.DELETE);

      // released: the table's next changes flow again without waiting
      send(h, changes(Op.INSERT, "id", 3L, "name", "three"));
      assertThat(h.extractOutputValues()).hasSize(5);
    }
  }

  @Test
  void heldChangesSurviveARestoreAndAreReleasedAfterIt() throws Exception {
    OperatorSubtaskState state;
    try (OneInputStreamOperatorTestHarness<RowChange, RowChange> h = harness()) {
      h.open();
      send(h, changes(Op.INSERT, "id", 1L, "name", "one"));
      send(h, changes(Op.INSERT, "id", 2L, "name", "two", "note", "x"));
      state = h.snapshot(1, 1); // the task fails before the release timer fires
      assertThat(h.extractOutputValues()).hasSize(1);
    }
    try (OneInputStreamOperatorTestHarness<RowChange, RowChange> h = harness()) {
      h.initializeState(state);
      h.open();
      h.setProcessingTime(h.getProcessingTime() + 1);
      assertThat(described(h.extractOutputValues()))
          .containsExactly("+I [id, name, note] {id=2, name=two, note=x}");
    }
  }

  @Test
  void aTypeTheTableCannotTakeIsDeadLetteredNamingTheColumn() throws Exception {
    try (OneInputStreamOperatorTestHarness<RowChange, RowChange> h = harness()) {
      h.open();
      send(h, changes(Op.INSERT, "id", 1L, "name", "one"));
      send(h, changes(Op.INSERT, "id", 2L, "name", 42L));
      assertThat(h.extractOutputValues()).hasSize(1);
      List<DeadLetter> dead =
          h.getSideOutput(DEAD).stream().map(StreamRecord::getValue).collect(Collectors.toList());
      assertThat(dead).hasSize(1);
      assertThat(dead.get(0).reason).isEqualTo("schema-mismatch");
      assertThat(dead.get(0).errorMessage)
          .isEqualTo(
              "column 'name' is long in the change but string in table app.public_items, which"
                  + " cannot take it");
      assertThat(dead.get(0).stream).isEqualTo("t");
      assertThat(dead.get(0).partition).isEqualTo("0");
      assertThat(dead.get(0).position).isEqualTo("30");
    }
  }
}
