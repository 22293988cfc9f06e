package io.tributary.iceberg;

import io.tributary.testing.Tables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.types.Types;

/**
 * Tables the way a streaming job leaves them, built commit by commit in tests: appends of small
 * files, and upserts (an equality delete of the keys with the new rows, as the upsert sinks write).
 */
public final class SmallCommits {
  private SmallCommits() {}

  public static final Schema SCHEMA =
      new Schema(
          List.of(
              Types.NestedField.required(1, "id", Types.LongType.get()),
              Types.NestedField.required(2, "v", Types.StringType.get())),
          Set.of(1));

  public static Table create(IcebergCatalog catalog, String name) {
    return catalog.with(
        c -> {
          catalog.ensureNamespace(c);
          return c.buildTable(catalog.identifier(name), SCHEMA)
              .withPartitionSpec(PartitionSpec.unpartitioned())
              .withProperties(catalog.tableProperties())
              .create();
        });
  }

  /** Commits {@code rows} as one data file and an equality delete of their keys. */
  public static void upsert(Table t, List<Record> rows) throws IOException {
    RowDelta delta = t.newRowDelta().addRows(dataFile(t, rows));
    delta.addDeletes(equalityDeletes(t, rows));
    delta.commit();
  }

  public static Record record(long id, String v) {
    GenericRecord r = GenericRecord.create(SCHEMA);
    r.setField("id", id);
    r.setField("v", v);
    return r;
  }

  public static List<Record> rows(int from, int count, int commit) {
    List<Record> rows = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      rows.add(record(i, "c" + commit));
    }
    return rows;
  }

  /** The table's rows read with deletes applied, as sorted {@code id=v} strings. */
  public static List<String> sorted(Table t) {
    return Tables.read(t).stream()
        .map(r -> r.getField("id") + "=" + r.getField("v"))
        .sorted(Comparator.naturalOrder())
        .collect(Collectors.toList());
  }

  /** Data files a scan of the current snapshot reads. */
  public static long dataFiles(Table t) {
    try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
      return java.util.stream.StreamSupport.stream(tasks.spliterator(), false).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Distinct delete files that some scan task must still apply. */
  public static long liveDeleteFiles(Table t) {
    try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
      return java.util.stream.StreamSupport.stream(tasks.spliterator(), false)
          .flatMap(task -> task.deletes().stream())
          .map(d -> d.location())
          .distinct()
          .count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static OutputFileFactory files(Table t) {
    return OutputFileFactory.builderFor(t, 1, System.nanoTime()).format(FileFormat.PARQUET).build();
  }

  public static DataFile dataFile(Table t, List<Record> rows) throws IOException {
    DataWriter<Record> w =
        new GenericAppenderFactory(t.schema(), t.spec())
            .newDataWriter(files(t).newOutputFile(), FileFormat.PARQUET, null);
    try (DataWriter<Record> closing = w) {
      rows.forEach(closing::write);
    }
    return w.toDataFile();
  }

  public static DeleteFile equalityDeletes(Table t, List<Record> rows) throws IOException {
    Schema keys = t.schema().select("id");
    EqualityDeleteWriter<Record> w =
        new GenericAppenderFactory(t.schema(), t.spec(), new int[] {1}, keys, null)
            .newEqDeleteWriter(files(t).newOutputFile(), FileFormat.PARQUET, null);
    try (EqualityDeleteWriter<Record> closing = w) {
      for (Record r : rows) {
        GenericRecord k = GenericRecord.create(keys);
        k.setField("id", r.getField("id"));
        closing.write(k);
      }
    }
    return w.toDeleteFile();
  }
}
