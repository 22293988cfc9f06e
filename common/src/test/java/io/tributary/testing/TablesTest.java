package io.tributary.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.sink.RowDataTaskWriterFactory;
import org.apache.iceberg.io.TaskWriter;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TablesTest {
  @TempDir Path dir;

  /** One key upserted twice in one flush: the first row is deleted by position. */
  @Test
  void rowsHoldTheTableColumnsOnlyWhenPositionDeletesApply() throws Exception {
    Schema schema =
        new Schema(
            List.of(
                Types.NestedField.required(1, "id", Types.LongType.get()),
                Types.NestedField.optional(2, "v", Types.StringType.get())),
            Set.of(1));
    Table t = create("t", schema, PartitionSpec.unpartitioned());
    TaskWriter<org.apache.flink.table.data.RowData> w = upsertWriter(t, List.of(1), 0);
    w.write(GenericRowData.of(1L, StringData.fromString("a")));
    w.write(GenericRowData.of(1L, StringData.fromString("b")));
    WriteResult r = w.complete();
    assertThat(r.deleteFiles()).as("the upsert wrote a position delete").isNotEmpty();
    commit(t, r);

    List<Record> rows = Tables.read(t);
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).size()).as("no _pos column").isEqualTo(2);
    assertThat(rows.get(0).getField("v")).isEqualTo("b");
  }

  /**
   * Upserts over five commits into a partitioned table (equality deletes across commits, position
   * deletes within one): the rows equal Iceberg's generic reader's, and the last value of each key.
   */
  @Test
  void rowsEqualIcebergsGenericReaderAcrossEqualityAndPositionDeletes() throws Exception {
    Schema schema =
        new Schema(
            List.of(
                Types.NestedField.required(1, "id", Types.LongType.get()),
                Types.NestedField.required(2, "p", Types.StringType.get()),
                Types.NestedField.optional(3, "v", Types.StringType.get())),
            Set.of(1, 2));
    Table t = create("parts", schema, PartitionSpec.builderFor(schema).identity("p").build());
    java.util.Map<List<Object>, String> expected = new java.util.HashMap<>();
    for (int commit = 0; commit < 5; commit++) {
      TaskWriter<org.apache.flink.table.data.RowData> w = upsertWriter(t, List.of(1, 2), commit);
      for (long id = commit; id < 20; id += 2) {
        for (String p : List.of("a", "b")) {
          String v = "c" + commit + "-" + id + p;
          w.write(GenericRowData.of(id, StringData.fromString(p), StringData.fromString(v)));
          expected.put(List.of(id, p), v);
        }
      }
      // the same key twice in one flush: the first is deleted by position
      w.write(GenericRowData.of(100L, StringData.fromString("a"), StringData.fromString("x")));
      w.write(GenericRowData.of(100L, StringData.fromString("a"), StringData.fromString("y")));
      expected.put(List.of(100L, "a"), "y");
      commit(t, w.complete());
    }

    Map<String, String> summary = t.currentSnapshot().summary();
    assertThat(Long.parseLong(summary.get("total-equality-deletes"))).isGreaterThan(0);
    assertThat(Long.parseLong(summary.get("total-position-deletes"))).isGreaterThan(0);
    List<Record> rows = Tables.read(t);
    java.util.Map<List<Object>, String> actual = new java.util.HashMap<>();
    for (Record r : rows) {
      assertThat(actual.put(List.of(r.getField("id"), r.getField("p")), (String) r.getField("v")))
          .as("key read once")
          .isNull();
    }
    assertThat(actual).isEqualTo(expected);
    List<String> generic = new java.util.ArrayList<>();
    try (org.apache.iceberg.io.CloseableIterable<Record> it =
        org.apache.iceberg.data.IcebergGenerics.read(t).build()) {
      it.forEach(
          r -> generic.add(r.getField("id") + "/" + r.getField("p") + "=" + r.getField("v")));
    }
    assertThat(
            rows.stream()
                .map(r -> r.getField("id") + "/" + r.getField("p") + "=" + r.getField("v")))
        .containsExactlyInAnyOrderElementsOf(generic);
  }

  /** A format-2 table {@code db.name} in a hadoop catalog over the test's folder. */
  Table create(String name, Schema schema, PartitionSpec spec) {
    return CatalogLoader.hadoop("t", new Configuration(), Map.of("warehouse", dir.toString()))
        .loadCatalog()
        .createTable(TableIdentifier.of("db", name), schema, spec, Map.of("format-version", "2"));
  }

  /** Iceberg's Flink upsert writer on {@code t}, keyed by the field ids {@code keys}. */
  static TaskWriter<org.apache.flink.table.data.RowData> upsertWriter(
      Table t, List<Integer> keys, int attempt) {
    RowDataTaskWriterFactory factory =
        new RowDataTaskWriterFactory(
            t,
            FlinkSchemaUtil.convert(t.schema()),
            1 << 27,
            FileFormat.PARQUET,
            Map.of(),
            keys,
            true);
    factory.initialize(attempt, 0);
    return factory.create();
  }

  /** One row delta with a writer's data and delete files, as the Flink committer makes. */
  static void commit(Table t, WriteResult r) {
    RowDelta delta = t.newRowDelta();
    for (org.apache.iceberg.DataFile f : r.dataFiles()) {
      delta.addRows(f);
    }
    for (org.apache.iceberg.DeleteFile f : r.deleteFiles()) {
      delta.addDeletes(f);
    }
    delta.commit();
  }
}
