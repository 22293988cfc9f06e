package io.tributary.testing;

import io.tributary.config.Configs;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.IcebergOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/** Reads Iceberg tables back in tests, with deletes applied, through the job's own catalog. */
public final class Tables {
  private Tables() {}

  /** A hadoop catalog over a local warehouse folder. */
  public static IcebergCatalog hadoop(String warehouse, String database) {
    return IcebergCatalog.fromConfig(
        Configs.of("iceberg.warehouse", warehouse, "iceberg.database", database)
            .group(IcebergOptions.GROUP));
  }

  public static List<Record> read(IcebergCatalog catalog, String table) {
    return catalog.with(c -> read(c.loadTable(catalog.identifier(table))));
  }

  public static List<Record> read(Table t) {
    t.refresh();
    List<Record> out = new ArrayList<>();
    // Only the table's columns: with position deletes to apply, the generic reader also returns
    // the metadata column _pos, which made an upsert table's rows look one column wider.
    org.apache.iceberg.Schema schema = t.schema();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(t).build()) {
      rows.forEach(
          r -> {
            Record row = org.apache.iceberg.data.GenericRecord.create(schema);
            for (org.apache.iceberg.types.Types.NestedField f : schema.columns()) {
              row.setField(f.name(), r.getField(f.name()));
            }
            out.add(row);
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  public static boolean exists(IcebergCatalog catalog, String table) {
    return catalog.with(c -> c.tableExists(catalog.identifier(table)));
  }
}
