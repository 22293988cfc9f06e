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
    Table t =
        CatalogLoader.hadoop("t", new Configuration(), Map.of("warehouse", dir.toString()))
            .loadCatalog()
            .createTable(
                TableIdentifier.of("db", "t"),
                schema,
                PartitionSpec.unpartitioned(),
                Map.of("format-version", "2"));
    RowDataTaskWriterFactory factory =
        new RowDataTaskWriterFactory(
            t,
            FlinkSchemaUtil.convert(schema),
            1 << 27,
            FileFormat.PARQUET,
            Map.of(),
            List.of(1),
            true);
    factory.initialize(0, 0);
    TaskWriter<org.apache.flink.table.data.RowData> w = factory.create();
    w.write(GenericRowData.of(1L, StringData.fromString("a")));
    w.write(GenericRowData.of(1L, StringData.fromString("b")));
    WriteResult r = w.complete();
    assertThat(r.deleteFiles()).as("the upsert wrote a position delete").isNotEmpty();
    RowDelta delta = t.newRowDelta();
    for (org.apache.iceberg.DataFile f : r.dataFiles()) {
      delta.addRows(f);
    }
    for (org.apache.iceberg.DeleteFile f : r.deleteFiles()) {
      delta.addDeletes(f);
    }
    delta.commit();

    List<Record> rows = Tables.read(t);
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).size()).as("no _pos column").isEqualTo(2);
    assertThat(rows.get(0).getField("v")).isEqualTo("b");
  }
}
