package io.tributary.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.config.Configs;
import io.tributary.testing.Components;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.junit.jupiter.api.Test;

class CdcTablesTest {

  static CdcTables tables(String... pairs) {
    String[] all = new String[pairs.length + 2];
    all[0] = "cdc.format";
    all[1] = "debezium-json";
    System.arraycopy(pairs, 0, all, 2, pairs.length);
    return Components.cdcTables(Configs.of(all));
  }

  @Test
  void defaultTargetIsDbDotSchemaUnderscoreTable() {
    CdcTables t = tables();
    assertThat(t.target(new TableId("shop", "public", "orders"))).isEqualTo("shop.public_orders");
    assertThat(t.target(new TableId("Shop-DB", "Sales Data", "Order.Items$2")))
        .isEqualTo("shop_db.sales_data_order_items_2");
    assertThat(t.target(new TableId("ÜberDB", "public", "Tëst"))).isEqualTo("_berdb.public_t_st");
  }

  @Test
  void dbWithoutSchemaIsDbDotTable() {
    assertThat(tables().target(new TableId("Inventory", null, "Products")))
        .isEqualTo("inventory.products");
  }

  @Test
  void noDbFallsBackToTheIcebergDatabase() {
    assertThat(tables().target(new TableId(null, "public", "orders")))
        .isEqualTo("tributary.public_orders");
    assertThat(tables().target(new TableId(null, null, "Orders"))).isEqualTo("tributary.orders");
    assertThat(tables("iceberg.database", "lake").target(new TableId(null, "dbo", "Customer-List")))
        .isEqualTo("lake.dbo_customer_list");
    // a database given in the record wins over iceberg.database
    assertThat(tables("iceberg.database", "lake").target(new TableId("crm", "dbo", "c")))
        .isEqualTo("crm.dbo_c");
  }

  @Test
  void configuredTargetsWinMostSpecificFirstCaseInsensitively() {
    CdcTables t =
        tables(
            "cdc.tables",
            " orders = a.generic ;PUBLIC.orders=a.by_schema; Shop.Public.Orders=a.exact;"
                + " crm.orders=a.by_db;;");
    assertThat(t.target(new TableId("SHOP", "public", "ORDERS"))).isEqualTo("a.exact");
    assertThat(t.target(new TableId("other", "Public", "orders"))).isEqualTo("a.by_schema");
    assertThat(t.target(new TableId("other", "sales", "orders"))).isEqualTo("a.generic");
    assertThat(t.target(new TableId(null, null, "Orders"))).isEqualTo("a.generic");
    assertThat(t.target(new TableId("crm", null, "orders"))).isEqualTo("a.by_db");
    assertThat(t.target(new TableId("crm", "x", "orders"))).isEqualTo("a.by_db");
    // unlisted tables keep the default
    assertThat(t.target(new TableId("shop", "public", "customers")))
        .isEqualTo("shop.public_customers");
    // cached answers stay right per table
    assertThat(t.target(new TableId("SHOP", "public", "ORDERS"))).isEqualTo("a.exact");
    assertThat(t.target(new TableId("other", "sales", "orders"))).isEqualTo("a.generic");
  }

  @Test
  void configuredKeysAndTypesFollowTheSameMatching() {
    CdcTables t =
        tables(
            "cdc.primary-keys",
            "orders=id; shop.public.orders=tenant, id",
            "cdc.column-types",
            "orders.Amount=DECIMAL(12,2); shop.public.orders.amount=BIGINT;"
                + " orders.at=TIMESTAMP_LTZ(3)");
    TableId exact = new TableId("shop", "public", "orders");
    TableId other = new TableId("crm", "public", "orders");
    assertThat(t.configuredKey(exact)).containsExactly("tenant", "id");
    assertThat(t.configuredKey(other)).containsExactly("id");
    assertThat(t.configuredKey(new TableId("shop", "public", "customers"))).isNull();
    assertThat(t.configuredType(exact, "AMOUNT")).isEqualTo(new BigIntType());
    assertThat(t.configuredType(other, "amount")).isEqualTo(new DecimalType(12, 2));
    assertThat(t.configuredType(other, "at")).isEqualTo(new LocalZonedTimestampType(3));
    assertThat(t.configuredType(other, "missing")).isNull();
  }

  @Test
  void tablesAndColumnTypesAcceptCommasAsWellAsSemicolons() {
    CdcTables t =
        tables(
            "cdc.tables",
            "orders=a.o, customers=a.c",
            "cdc.column-types",
            "orders.amount=DECIMAL(12, 2), orders.at=TIMESTAMP_LTZ(3); orders.n=INT");
    TableId orders = new TableId("shop", "public", "orders");
    assertThat(t.target(orders)).isEqualTo("a.o");
    assertThat(t.target(new TableId("shop", "public", "customers"))).isEqualTo("a.c");
    assertThat(t.configuredType(orders, "amount")).isEqualTo(new DecimalType(12, 2));
    assertThat(t.configuredType(orders, "at")).isEqualTo(new LocalZonedTimestampType(3));
    assertThat(t.configuredType(orders, "n")).isNotNull();
  }

  @Test
  void primaryKeysSeparatedByCommasAreRefusedWithTheFix() {
    failsNaming(
        "primary-keys",
        "orders=id,customers=cid",
        "gives 'orders' the column 'customers=cid'. Columns of one table are separated by ',',"
            + " tables by ';': write e.g. orders=id; customers=tenant,id.");
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    CdcTables t = tables("cdc.tables", "orders=a.b", "cdc.column-types", "orders.x=INT");
    t.target(new TableId("d", "s", "orders")); // fills the transient cache
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(t);
    }
    CdcTables copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (CdcTables) in.readObject();
    }
    assertThat(copy.target(new TableId("d", "s", "orders"))).isEqualTo("a.b");
    assertThat(copy.target(new TableId("d", "s", "other"))).isEqualTo("d.s_other");
    assertThat(copy.configuredType(new TableId(null, null, "orders"), "x")).isNotNull();
  }

  static void failsNaming(String key, String value, String... fragments) {
    assertThatThrownBy(() -> tables("cdc." + key, value))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "Invalid configuration: bad value for '" + key + "' in property group 'cdc'")
        .hasMessageContainingAll(fragments);
  }

  @Test
  void targetMustBeNamespaceDotTable() {
    failsNaming("tables", "orders=orders", "maps 'orders' to 'orders'", "namespace.table");
    failsNaming("tables", "orders=a.b.c", "'a.b.c'");
    failsNaming("tables", "orders=a-b.c", "'a-b.c'");
    failsNaming("tables", "x=ok.t; orders=.t", "'.t'");
  }

  @Test
  void entriesNeedAnEqualsSign() {
    failsNaming("tables", "orders", "'orders'", "source=value");
    failsNaming("tables", "a=x.y; orders", "'orders'", "source=value");
    failsNaming("tables", "=x.y", "'=x.y'", "source=value");
    failsNaming("primary-keys", "orders=", "'orders='", "source=value");
    failsNaming("column-types", "orders.amount", "'orders.amount'", "source=value");
  }

  @Test
  void columnTypesNeedAValidTypeAndATable() {
    failsNaming(
        "column-types",
        "orders.amount=DECIMAL(12,",
        "'DECIMAL(12,' for orders.amount",
        "not a Flink SQL type");
    failsNaming("column-types", "orders.amount=DECIMEL(12,2)", "not a Flink SQL type");
    failsNaming("column-types", "amount=BIGINT", "'amount' without a table");
  }

  @Test
  void columnTypesThatCannotBeUsedFailAtStartUp() {
    failsNaming("column-types", "orders.amount=BIGNIT", "'BIGNIT'", "not a Flink SQL type");
    failsNaming("column-types", "orders.tags=ARRAY<INT>", "'ARRAY<INT>'");
  }

  @Test
  void primaryKeysNeedColumns() {
    failsNaming("primary-keys", "orders= , ,", "names no column for 'orders'");
  }

  @Test
  void allEntriesOfAValidConfigurationAreAccepted() {
    CdcTables t =
        tables(
            "cdc.tables", "shop.public.orders=sales.orders",
            "cdc.primary-keys", "shop.public.orders=id",
            "cdc.column-types",
                "shop.public.orders.amount=DECIMAL(12,2);shop.public.orders.at=TIMESTAMP(6)");
    TableId orders = new TableId("shop", "public", "orders");
    assertThat(t.target(orders)).isEqualTo("sales.orders");
    assertThat(t.configuredKey(orders)).containsExactly("id");
    assertThat(t.configuredType(orders, "amount")).isEqualTo(new DecimalType(12, 2));
  }
}
