package io.tributary.cdc;

import java.io.Serializable;
import java.util.Objects;

/** A source table: database (may be null), schema (may be null) and name. */
public final class TableId implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String database;
  private final String schema;
  private final String table;

  public TableId(String database, String schema, String table) {
    this.database = database;
    this.schema = schema;
    this.table = Objects.requireNonNull(table, "table");
  }

  public String database() {
    return database;
  }

  public String schema() {
    return schema;
  }

  public String table() {
    return table;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TableId)) {
      return false;
    }
    TableId t = (TableId) o;
    return Objects.equals(database, t.database)
        && Objects.equals(schema, t.schema)
        && table.equals(t.table);
  }

  @Override
  public int hashCode() {
    return Objects.hash(database, schema, table);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (database != null) {
      sb.append(database).append('.');
    }
    if (schema != null) {
      sb.append(schema).append('.');
    }
    return sb.append(table).toString();
  }
}
