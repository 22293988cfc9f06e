package io.tributary.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.Configs;
import io.tributary.format.EventSchema;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JDBC catalog on SQLite, as the jobs' tasks use it: two catalogs (a table's committer and its
 * dead-letter table's) committing at the same time. With Iceberg 1.10.1's JdbcCatalog start-up
 * check, which leaves a read lock on its connection, one of them failed with SQLITE_BUSY every
 * time.
 */
@Timeout(120)
class SqliteCatalogTest {
  @TempDir Path warehouse;

  @Test
  void twoTaskCatalogsCommitAtTheSameTime() throws Exception {
    IcebergCatalog jdbc =
        IcebergCatalog.fromConfig(
            Configs.of(
                    "iceberg.catalog.type",
                    "jdbc",
                    "iceberg.catalog.uri",
                    "jdbc:sqlite:file:" + warehouse.resolve("catalog.db"),
                    "iceberg.warehouse",
                    warehouse.resolve("jdbc").toString(),
                    "iceberg.database",
                    "db")
                .group(IcebergOptions.GROUP));
    List<String> tables = List.of("events", "events_dead_letters");
    for (String t : tables) {
      IcebergSinkBuilder.forRows(null, EventSchema.parse("id STRING NOT NULL"))
          .catalog(jdbc)
          .table(t)
          .provision();
    }
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<Thread> threads =
        tables.stream()
            .map(
                t ->
                    new Thread(
                        () -> {
                          try {
                            Catalog task = jdbc.loader().loadCatalog();
                            Table table = task.loadTable(jdbc.identifier(t));
                            for (int k = 0; k < 5; k++) {
                              table.updateProperties().set("k", String.valueOf(k)).commit();
                            }
                          } catch (Throwable e) {
                            failures.add(e);
                          }
                        }))
            .collect(java.util.stream.Collectors.toList());
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).isEmpty();
    // cdc creates tables from the tasks' catalogs; the start-up side must see them.
    Catalog task = jdbc.loader().loadCatalog();
    task.createTable(
        jdbc.identifier("created_by_a_task"),
        new org.apache.iceberg.Schema(
            org.apache.iceberg.types.Types.NestedField.required(
                1, "id", org.apache.iceberg.types.Types.StringType.get())));
    boolean exists = jdbc.with(c -> c.tableExists(jdbc.identifier("created_by_a_task")));
    assertThat(exists).isTrue();
    List<org.apache.iceberg.catalog.TableIdentifier> listed =
        jdbc.with(c -> c.listTables(org.apache.iceberg.catalog.Namespace.of("db")));
    assertThat(listed).hasSize(3);
    for (String t : tables) {
      java.util.Map<String, String> properties =
          jdbc.with(c -> c.loadTable(jdbc.identifier(t)).properties());
      assertThat(properties).containsEntry("k", "4");
    }
  }
}
