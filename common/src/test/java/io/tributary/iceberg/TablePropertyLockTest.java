package io.tributary.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.maintenance.api.TriggerLockFactory;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The maintenance lock kept in the table's properties, on a real hadoop catalog. */
@Timeout(60)
class TablePropertyLockTest {
  @TempDir Path dir;

  private IcebergCatalog catalog;
  private TableIdentifier id;

  private TablePropertyLock lock(String owner) {
    if (catalog == null) {
      catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
      id = catalog.identifier("events");
      catalog.with(
          c -> {
            catalog.ensureNamespace(c);
            return c.createTable(
                id, new Schema(Types.NestedField.required(1, "id", Types.LongType.get())));
          });
    }
    return new TablePropertyLock(catalog, id, owner);
  }

  private String property(String name) {
    Table t = catalog.with(c -> c.loadTable(id));
    return t.properties().get(name);
  }

  @Test
  void onlyTheOwnerReleasesItsLock() {
    TriggerLockFactory.Lock mine = lock("ingest-1").createLock();
    TriggerLockFactory.Lock theirs = lock("cdc-2").createLock();
    assertThat(mine.isHeld()).isFalse();
    assertThat(mine.tryLock()).isTrue();
    assertThat(property(TablePropertyLock.LOCK_PROPERTY)).startsWith("ingest-1@");
    assertThat(mine.isHeld()).isTrue();
    // held means held, also for its owner: a second run must wait for the first
    assertThat(mine.tryLock()).isFalse();
    assertThat(theirs.tryLock()).isFalse();
    // a fresh start of another pipeline clears "its" lock: this one stays
    theirs.unlock();
    assertThat(property(TablePropertyLock.LOCK_PROPERTY)).startsWith("ingest-1@");
    mine.unlock();
    assertThat(mine.isHeld()).isFalse();
    assertThat(theirs.tryLock()).isTrue();
    assertThat(property(TablePropertyLock.LOCK_PROPERTY)).startsWith("cdc-2@");
  }

  @Test
  void theRecoveryLockIsASecondLock() {
    TablePropertyLock factory = lock("ingest-1");
    TriggerLockFactory.Lock lock = factory.createLock();
    TriggerLockFactory.Lock recovery = factory.createRecoveryLock();
    assertThat(recovery.tryLock()).isTrue();
    assertThat(lock.isHeld()).isFalse();
    assertThat(lock.tryLock()).isTrue();
    recovery.unlock();
    assertThat(recovery.isHeld()).isFalse();
    assertThat(lock.isHeld()).isTrue();
  }

  /**
   * Eight maintainers race for one table's lock while a writer keeps committing to it: exactly one
   * wins, and no writer commit is lost (the lock's commits are compare-and-swap, the writer's are
   * retried by Iceberg).
   */
  @Test
  void oneOfManyRacingMaintainersGetsTheLock() throws Exception {
    int racers = 8;
    List<TriggerLockFactory.Lock> locks = new ArrayList<>();
    for (int i = 0; i < racers; i++) {
      locks.add(lock("job-" + i).createLock());
    }
    ExecutorService pool = Executors.newFixedThreadPool(racers + 1);
    try {
      CountDownLatch start = new CountDownLatch(1);
      int appends = 20;
      Future<?> writer =
          pool.submit(
              (Callable<Void>)
                  () -> {
                    start.await();
                    for (int i = 0; i < appends; i++) {
                      catalog
                          .with(c -> c.loadTable(id))
                          .updateProperties()
                          .set("w" + i, "x")
                          .commit();
                    }
                    return null;
                  });
      List<Future<Boolean>> results = new ArrayList<>();
      for (TriggerLockFactory.Lock l : locks) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return l.tryLock();
                }));
      }
      start.countDown();
      int won = 0;
      for (Future<Boolean> r : results) {
        won += r.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      writer.get(30, TimeUnit.SECONDS);
      assertThat(won).isEqualTo(1);
      Table t = catalog.with(c -> c.loadTable(id));
      for (int i = 0; i < appends; i++) {
        assertThat(t.properties()).containsEntry("w" + i, "x");
      }
      String holder = t.properties().get(TablePropertyLock.LOCK_PROPERTY);
      int winner = Integer.parseInt(holder.substring("job-".length(), holder.indexOf('@')));
      locks.get(winner).unlock();
      assertThat(locks.get(winner).isHeld()).isFalse();
    } finally {
      pool.shutdownNow();
    }
  }
}
