package io.tributary.testing;

import io.tributary.config.Configs;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.IcebergOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.BaseDeleteLoader;
import org.apache.iceberg.data.DeleteLoader;
import org.apache.iceberg.data.GenericDeleteFilter;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IdentityPartitionConverters;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.PartitionUtil;

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

  /**
   * The table's rows with deletes applied, as Iceberg's generic reader returns them. Each data file
   * is read through Iceberg's own {@link GenericDeleteFilter}, but all files share one delete
   * loader that reads each delete file once: the generic reader re-reads every applicable equality
   * delete file for every data file. On an upsert table written with 1 s checkpoints that was a
   * third of a cdc test's JFR execution samples; CdcExactlyOnceTest's first test went from 268 to
   * 191 CPU s with this loader.
   */
  public static List<Record> read(Table t) {
    t.refresh();
    Schema schema = t.schema();
    DeleteLoader deletes = new CachingDeleteLoader(t.io());
    List<Record> out = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        GenericDeleteFilter filter =
            new GenericDeleteFilter(t.io(), task, schema, schema) {
              @Override
              protected DeleteLoader newDeleteLoader() {
                return deletes;
              }
            };
        try (CloseableIterable<Record> rows =
            filter.filter(open(t, task, filter.requiredSchema()))) {
          // Only the table's columns: with position deletes to apply, the required schema also
          // holds the metadata column _pos, which made an upsert table's rows look one column
          // wider.
          rows.forEach(
              r -> {
                Record row = GenericRecord.create(schema);
                for (Types.NestedField f : schema.columns()) {
                  row.setField(f.name(), r.getField(f.name()));
                }
                out.add(row);
              });
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static CloseableIterable<Record> open(Table t, FileScanTask task, Schema projection) {
    if (task.file().format() != FileFormat.PARQUET) {
      throw new IllegalStateException(
          "the tests read Parquet data files only, not " + task.file().location());
    }
    Map<Integer, ?> constants =
        PartitionUtil.constantsMap(task, IdentityPartitionConverters::convertConstant);
    return Parquet.read(t.io().newInputFile(task.file().location()))
        .project(projection)
        .createReaderFunc(file -> GenericParquetReaders.buildReader(projection, file, constants))
        .split(task.start(), task.length())
        .filter(task.residual())
        .build();
  }

  /** Iceberg's delete loader, with every delete file's content kept for the whole table read. */
  private static final class CachingDeleteLoader extends BaseDeleteLoader {
    private final Map<String, Object> cache = new ConcurrentHashMap<>();

    CachingDeleteLoader(FileIO io) {
      super(file -> io.newInputFile(file.location()));
    }

    @Override
    protected boolean canCache(long size) {
      return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected <V> V getOrLoad(String key, Supplier<V> load, long size) {
      return (V) cache.computeIfAbsent(key, k -> load.get());
    }
  }

  public static boolean exists(IcebergCatalog catalog, String table) {
    return catalog.with(c -> c.tableExists(catalog.identifier(table)));
  }
}
