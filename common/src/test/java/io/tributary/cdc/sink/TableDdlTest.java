package io.tributary.cdc.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.cdc.CdcOptions.SchemaChanges;
import io.tributary.cdc.RowChange;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.Tables;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.types.RowKind;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DDL applier against a real (hadoop) catalog: the schemas it creates and evolves, and two
 * appliers (two subtasks) racing on one table converging on one table and one schema.
 */
class TableDdlTest {
  static final TableIdentifier ID = TableIdentifier.of("app", "public_items");

  @TempDir Path dir;
  final SimpleCounter created = new SimpleCounter();
  final SimpleCounter evolved = new SimpleCounter();

  IcebergCatalog catalog() {
    return Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
  }

  TableDdl ddl(Catalog client, SchemaChanges policy) {
    return new TableDdl(client, Map.of(), policy, created, evolved);
  }

  TableDdl ddl() {
    return ddl(catalog().loader().loadCatalog(), SchemaChanges.EVOLVE);
  }

  /**
   * A change with these columns (name, type, ...), keyed by id (NOT NULL, as ChangeRows has it).
   */
  static RowChange change(Object... columns) {
    RowType.RowField[] fields = new RowType.RowField[columns.length / 2];
    for (int i = 0; i < columns.length; i += 2) {
      String name = (String) columns[i];
      LogicalType type = ((LogicalType) columns[i + 1]).copy(!name.equals("id"));
      fields[i / 2] = new RowType.RowField(name, type);
    }
    return new RowChange(
        ID.toString(),
        "k",
        RowKind.INSERT,
        new long[] {1},
        new String[] {"id"},
        new RowType(List.of(fields)),
        new GenericRowData(fields.length),
        "kafka:t/0@1");
  }

  static final LogicalType LONG = new BigIntType();
  static final LogicalType INT = new IntType();
  static final LogicalType STRING = new VarCharType(VarCharType.MAX_LENGTH);

  Table table() {
    return catalog().with(c -> c.loadTable(ID));
  }

  @Test
  void createsFromTheChangeWithItsKeyAsIdentifierFieldsAndOneEmptySnapshot() {
    Schema s = ddl().createIfAbsent(ID, change("id", LONG, "name", STRING), null);
    assertThat(s.toString())
        .isEqualTo("table {\n  1: id: required long (id)\n  2: name: optional string\n}");
    assertThat(table().history()).hasSize(1);
    // format-version is reserved: the metadata holds it, not the properties
    assertThat(((HasTableOperations) table()).operations().current().formatVersion()).isEqualTo(2);
    assertThat(created.getCount()).isEqualTo(1);
    // the second time it only loads the table
    assertThat(ddl().createIfAbsent(ID, change("id", LONG, "other", INT), null).sameSchema(s))
        .isTrue();
    assertThat(created.getCount()).isEqualTo(1);
  }

  @Test
  void newColumnsAreAddedOptionalAtTheEndInTheChangesOrder() {
    ddl().createIfAbsent(ID, change("id", LONG, "name", STRING, "tail", STRING), null);
    Schema s = ddl().evolve(ID, change("id", LONG, "note", STRING, "name", STRING, "z", INT));
    assertThat(s.toString())
        .isEqualTo(
            "table {\n  1: id: required long (id)\n  2: name: optional string\n"
                + "  3: tail: optional string\n  4: note: optional string\n"
                + "  5: z: optional int\n}");
    assertThat(evolved.getCount()).isEqualTo(1);
  }

  @Test
  void typesAreWidenedWhereIcebergCanPromoteThemAndKeepTheirNullability() {
    ddl()
        .createIfAbsent(
            ID,
            change(
                "id",
                INT,
                "n",
                INT,
                "f",
                new org.apache.flink.table.types.logical.FloatType(),
                "d",
                new DecimalType(10, 2)),
            null);
    Schema s =
        ddl()
            .evolve(
                ID,
                change("id", LONG, "n", LONG, "f", new DoubleType(), "d", new DecimalType(12, 2)));
    assertThat(s.toString())
        .isEqualTo(
            "table {\n  1: id: required long (id)\n  2: n: optional long\n"
                + "  3: f: optional double\n  4: d: optional decimal(12, 2)\n}");
    assertThat(s.identifierFieldNames()).containsExactly("id");
  }

  @Test
  void aNarrowerTypeLeavesTheTableAsItIs() {
    Schema before = ddl().createIfAbsent(ID, change("id", LONG, "n", LONG), null);
    Schema after = ddl().evolve(ID, change("id", INT, "n", INT));
    assertThat(after.sameSchema(before)).isTrue();
    assertThat(evolved.getCount()).isZero();
  }

  @Test
  void aTypeTheTableCannotTakeIsLeftOutWhileNewColumnsAreStillAdded() {
    // unionByNameWith alone would fail the whole commit on name: string -> long
    ddl().createIfAbsent(ID, change("id", LONG, "name", STRING, "d", new DecimalType(10, 2)), null);
    Schema s =
        ddl()
            .evolve(
                ID, change("id", LONG, "name", LONG, "d", new DecimalType(12, 3), "note", STRING));
    assertThat(s.toString())
        .isEqualTo(
            "table {\n  1: id: required long (id)\n  2: name: optional string\n"
                + "  3: d: optional decimal(10, 2)\n  4: note: optional string\n}");
  }

  @Test
  void aRequiredColumnStaysRequiredWhenAChangeHasItNullable() {
    // unionByNameWith alone would make id optional, which an identifier field cannot be
    ddl().createIfAbsent(ID, change("id", LONG, "name", STRING), null);
    RowChange otherKey =
        new RowChange(
            ID.toString(),
            "k",
            RowKind.INSERT,
            new long[] {1},
            new String[] {"name"},
            new RowType(
                List.of(
                    new RowType.RowField("id", LONG.copy(true)),
                    new RowType.RowField("name", STRING.copy(false)),
                    new RowType.RowField("note", STRING.copy(true)))),
            new GenericRowData(3),
            "kafka:t/0@1");
    Schema s = ddl().evolve(ID, otherKey);
    assertThat(s.toString())
        .isEqualTo(
            "table {\n  1: id: required long (id)\n  2: name: optional string\n"
                + "  3: note: optional string\n}");
  }

  @Test
  void policyFailStopsTheJobNamingWhatTheChangeNeedsAndLeavesTheTable() {
    Schema before = ddl().createIfAbsent(ID, change("id", LONG, "n", INT), null);
    TableDdl strict = ddl(catalog().loader().loadCatalog(), SchemaChanges.FAIL);
    assertThatThrownBy(() -> strict.evolve(ID, change("id", LONG, "note", STRING, "n", LONG)))
        .isInstanceOf(SuppressRestartsException.class)
        .hasRootCauseMessage(
            "cdc.schema-changes = fail, and source changes for app.public_items need new column"
                + " note string, column n widened from int to long (at kafka:t/0@1). Alter the"
                + " Iceberg table to match, or set cdc.schema-changes = evolve.");
    assertThat(table().schema().sameSchema(before)).isTrue();
    // nothing to change: fail has nothing to refuse
    assertThat(strict.evolve(ID, change("id", LONG, "n", INT)).sameSchema(before)).isTrue();
  }

  @Test
  void twoAppliersCreatingOneTableAtOnceEndWithOneTable() throws Exception {
    CyclicBarrier both = new CyclicBarrier(2);
    // both see no table, so both try to create it
    Catalog a = meetingAtFirst("tableExists", both);
    Catalog b = meetingAtFirst("tableExists", both);
    List<Schema> schemas =
        race(
            () ->
                ddl(a, SchemaChanges.EVOLVE).createIfAbsent(ID, change("id", LONG, "a", INT), null),
            () ->
                ddl(b, SchemaChanges.EVOLVE)
                    .createIfAbsent(ID, change("id", LONG, "b", INT), null));
    assertThat(created.getCount()).isEqualTo(1);
    assertThat(schemas.get(0).sameSchema(schemas.get(1))).isTrue();
    assertThat(schemas.get(0).sameSchema(table().schema())).isTrue();
    assertThat(table().history()).hasSize(1);
    List<TableIdentifier> tables = catalog().with(c -> c.listTables(Namespace.of("app")));
    assertThat(tables).containsExactly(ID);
  }

  @Test
  void twoAppliersEvolvingOneTableAtOnceConvergeOnBothNewColumns() throws Exception {
    ddl().createIfAbsent(ID, change("id", LONG, "name", STRING), null);
    CyclicBarrier both = new CyclicBarrier(2);
    // both load the same version, so one commit loses and is retried on a reload
    Catalog a = meetingAtFirst("loadTable", both);
    Catalog b = meetingAtFirst("loadTable", both);
    List<Schema> schemas =
        race(
            () -> ddl(a, SchemaChanges.EVOLVE).evolve(ID, change("id", LONG, "a", INT)),
            () -> ddl(b, SchemaChanges.EVOLVE).evolve(ID, change("id", LONG, "b", STRING)));
    Schema last = table().schema();
    assertThat(last.columns()).hasSize(4);
    assertThat(last.findField("a").type()).isEqualTo(Types.IntegerType.get());
    assertThat(last.findField("b").type()).isEqualTo(Types.StringType.get());
    assertThat(last.identifierFieldNames()).isEqualTo(Set.of("id"));
    assertThat(schemas.get(0).findField("a")).isNotNull();
    assertThat(schemas.get(1).findField("b")).isNotNull();
    assertThat(evolved.getCount()).isEqualTo(2);
  }

  @Test
  void twoAppliersAddingTheSameColumnAtOnceAddItOnce() throws Exception {
    ddl().createIfAbsent(ID, change("id", LONG, "name", STRING), null);
    CyclicBarrier both = new CyclicBarrier(2);
    Catalog a = meetingAtFirst("loadTable", both);
    Catalog b = meetingAtFirst("loadTable", both);
    List<Schema> schemas =
        race(
            () -> ddl(a, SchemaChanges.EVOLVE).evolve(ID, change("id", LONG, "note", STRING)),
            () -> ddl(b, SchemaChanges.EVOLVE).evolve(ID, change("id", LONG, "note", STRING)));
    Schema last = table().schema();
    assertThat(last.toString())
        .isEqualTo(
            "table {\n  1: id: required long (id)\n  2: name: optional string\n"
                + "  3: note: optional string\n}");
    assertThat(schemas.get(0).sameSchema(last)).isTrue();
    assertThat(schemas.get(1).sameSchema(last)).isTrue();
    assertThat(evolved.getCount()).isEqualTo(1);
  }

  /** Runs both at once, each on its own thread, and returns their results in order. */
  static List<Schema> race(
      java.util.function.Supplier<Schema> one, java.util.function.Supplier<Schema> two)
      throws Exception {
    CompletableFuture<Schema> a = CompletableFuture.supplyAsync(one);
    CompletableFuture<Schema> b = CompletableFuture.supplyAsync(two);
    return List.of(a.get(60, TimeUnit.SECONDS), b.get(60, TimeUnit.SECONDS));
  }

  /**
   * A client of the test's catalog (as each subtask has its own) whose first call of {@code method}
   * returns only when the other client's has returned too: both then act on what they saw at the
   * same moment.
   */
  Catalog meetingAtFirst(String method, CyclicBarrier barrier) {
    Catalog real = catalog().loader().loadCatalog();
    AtomicBoolean met = new AtomicBoolean();
    return (Catalog)
        Proxy.newProxyInstance(
            Catalog.class.getClassLoader(),
            new Class<?>[] {Catalog.class, SupportsNamespaces.class},
            (proxy, m, args) -> {
              Object result;
              try {
                result = m.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
              if (m.getName().equals(method) && met.compareAndSet(false, true)) {
                barrier.await(30, TimeUnit.SECONDS);
              }
              return result;
            });
  }
}
