package org.apache.iceberg.flink.sink.dynamic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.util.Collector;
import org.apache.iceberg.DistributionMode;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forward processor emits what Iceberg's own processor emits for the same records, resolving
 * each shape through Iceberg's processor once per refresh interval; a shape whose rows Iceberg
 * converts goes through Iceberg's processor every time.
 */
class ForwardRecordProcessorTest {
  private static final TableIdentifier ID = TableIdentifier.of("db", "t");
  private static final Schema TABLE =
      new Schema(
          List.of(
              Types.NestedField.required(1, "id", Types.LongType.get()),
              Types.NestedField.optional(2, "v", Types.StringType.get())),
          Set.of(1));
  // the records' ids are not the table's: the table's are resolved by name
  private static final Schema RECORDS =
      new Schema(
          Types.NestedField.required(5, "id", Types.LongType.get()),
          Types.NestedField.optional(6, "v", Types.StringType.get()));
  private static final Schema KEY_ONLY =
      new Schema(Types.NestedField.required(5, "id", Types.LongType.get()));

  @TempDir Path dir;
  private CatalogLoader loader;
  private Table table;

  @BeforeEach
  void createTable() {
    loader = WarehouseTables.loader(dir);
    table = WarehouseTables.create(loader, ID, TABLE);
  }

  @Test
  void emitsWhatIcebergsProcessorEmitsAndResolvesAShapeOnce() throws Exception {
    List<RowData> rows = rows(5, true);
    Generator g = new Generator(RECORDS);
    List<DynamicRecordInternal> forward = run(forward(g, 3_600_000), rows);
    List<DynamicRecordInternal> iceberg = run(iceberg(new Generator(RECORDS)), rows);

    assertSame(forward, iceberg);
    assertThat(forward).extracting(DynamicRecordInternal::rowData).containsExactlyElementsOf(rows);
    assertThat(forward.get(0).schema().sameSchema(table.schema())).isTrue();
    assertThat(forward.get(0).equalityFields())
        .containsExactly(table.schema().findField("id").fieldId());
    // the first record twice (Iceberg's processor generates it again), every other once
    assertThat(g.calls.get()).isEqualTo(rows.size() + 1);
  }

  @Test
  void aResolvedShapeIsAskedAgainOnceTheRefreshIntervalHasPassed() throws Exception {
    List<RowData> rows = rows(4, true);
    Generator g = new Generator(RECORDS);
    List<DynamicRecordInternal> forward = run(forward(g, 0), rows);

    assertSame(forward, run(iceberg(new Generator(RECORDS)), rows));
    assertThat(g.calls.get()).isEqualTo(2 * rows.size());
  }

  @Test
  void aShapeWhoseRowsIcebergConvertsIsNeverReused() throws Exception {
    List<RowData> rows = rows(4, false);
    Generator g = new Generator(KEY_ONLY);
    List<DynamicRecordInternal> forward = run(forward(g, 3_600_000), rows);

    assertSame(forward, run(iceberg(new Generator(KEY_ONLY)), rows));
    for (int i = 0; i < rows.size(); i++) {
      RowData out = forward.get(i).rowData();
      assertThat(out).isNotSameAs(rows.get(i));
      assertThat(out.getArity()).isEqualTo(2);
      assertThat(out.getLong(0)).isEqualTo(i);
      assertThat(out.isNullAt(1)).isTrue();
    }
    assertThat(g.calls.get()).isEqualTo(2 * rows.size());
  }

  private ProcessFunction<RowData, DynamicRecordInternal> forward(Generator g, long refreshMs) {
    return new ForwardRecordProcessor<>(
        g, new DynamicRecordProcessor<>(g, loader, true, 100, refreshMs, 10), refreshMs);
  }

  private ProcessFunction<RowData, DynamicRecordInternal> iceberg(Generator g) {
    return new DynamicRecordProcessor<>(g, loader, true, 100, 1_000, 10);
  }

  private static List<DynamicRecordInternal> run(
      ProcessFunction<RowData, DynamicRecordInternal> f, List<RowData> rows) throws Exception {
    try (OneInputStreamOperatorTestHarness<RowData, DynamicRecordInternal> h =
        ProcessFunctionTestHarnesses.forProcessFunction(f)) {
      for (RowData row : rows) {
        h.processElement(row, 0);
      }
      return new ArrayList<>(h.extractOutputValues());
    }
  }

  /** Field by field: schemas by {@link Schema#sameSchema}, each processor has its own. */
  private static void assertSame(List<DynamicRecordInternal> a, List<DynamicRecordInternal> b) {
    assertThat(a).hasSameSizeAs(b);
    for (int i = 0; i < a.size(); i++) {
      DynamicRecordInternal x = a.get(i);
      DynamicRecordInternal y = b.get(i);
      assertThat(x.tableName()).isEqualTo(y.tableName()).isEqualTo("db.t");
      assertThat(x.branch()).isEqualTo(y.branch());
      assertThat(x.schema().sameSchema(y.schema())).as("schema of record %d", i).isTrue();
      assertThat(x.schema().schemaId()).isEqualTo(y.schema().schemaId());
      assertThat(x.spec()).isEqualTo(y.spec());
      assertThat(x.upsertMode()).isEqualTo(y.upsertMode()).isTrue();
      assertThat(x.equalityFields()).isEqualTo(y.equalityFields());
      assertThat(x.rowData()).isEqualTo(y.rowData());
    }
  }

  private static List<RowData> rows(int n, boolean withValue) {
    List<RowData> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(
          withValue
              ? GenericRowData.of((long) i, StringData.fromString("v" + i))
              : GenericRowData.of((long) i));
    }
    return rows;
  }

  /** As the cdc generator: the same identifier, schema, spec and key set for every record. */
  private static final class Generator implements DynamicRecordGenerator<RowData> {
    private static final long serialVersionUID = 1L;
    private final Schema schema;
    private final Set<String> key = Set.of("id");
    final AtomicInteger calls = new AtomicInteger();

    Generator(Schema schema) {
      this.schema = schema;
    }

    @Override
    public void generate(RowData row, Collector<DynamicRecord> out) {
      calls.incrementAndGet();
      DynamicRecord r =
          new DynamicRecord(
              ID,
              SnapshotRef.MAIN_BRANCH,
              schema,
              row,
              PartitionSpec.unpartitioned(),
              DistributionMode.NONE,
              1);
      r.setUpsertMode(true);
      r.setEqualityFields(key);
      out.collect(r);
    }
  }
}
