package io.tributary.cdc;

import io.tributary.format.FormatOptions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.RowKind;

/**
 * Turns a decoded {@link ChangeEvent} into the {@link RowChange}s the upsert sink applies: routed
 * to its Iceberg table, keyed by its primary key, typed, and converted to Flink's internal values.
 *
 * <p>This class does the routing and the keys: the target table, the key columns (configured, then
 * the change's own, then the message key), the split of a key-changing update into a delete and an
 * insert, and the key text the ordering guard partitions by. A column's type comes from
 * configuration first, then from the producer's schema, then from the value itself; {@link
 * ColumnValues} normalises it to what Iceberg stores and converts the value, so every change of a
 * table maps to the same Iceberg schema.
 */
public final class ChangeRows implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final char SEP = '\u0001';

  private static final int MAX_CACHED_TYPES = 1024;

  private final CdcTables tables;
  private final EnumSet<FormatOptions.Lenient> lenient;
  // A table's changes come in a few shapes (full rows, key-only deletes): one RowType instance
  // each, instead of a new one, validated afresh, per change. Downstream caches keyed by the
  // instance (RowChangeSerializer) then hit too.
  private transient Map<List<RowType.RowField>, RowType> types;
  // What configuration says of a source table, looked up once per table, not per change and column
  // (a change's TableId is a new instance each time: its hash would be computed afresh too).
  private transient Map<TableId, Route> routes;
  private transient Route lastRoute;

  /** Strict: no {@code format.lenient} conversion. */
  public ChangeRows(CdcTables tables) {
    this(tables, Set.of());
  }

  /** With the opt-in {@code format.lenient} conversions, which apply as they do for ingest. */
  public ChangeRows(CdcTables tables, Set<FormatOptions.Lenient> lenient) {
    this.tables = tables;
    this.lenient =
        lenient.isEmpty() ? EnumSet.noneOf(FormatOptions.Lenient.class) : EnumSet.copyOf(lenient);
  }

  /** The key columns {@code cdc.primary-keys} gives {@code table}, or null. */
  List<String> configuredKey(TableId table) {
    return tables.configuredKey(table);
  }

  /** The key columns a record's message key names; read lazily, it may be refused. */
  @FunctionalInterface
  public interface MessageKey {
    List<String> columns() throws ChangeDecodeException;
  }

  /**
   * @param messageKey the key columns the record's message key names (Debezium), or empty
   * @param origin where the record came from, for dead letters
   */
  public List<RowChange> convert(ChangeEvent e, List<String> messageKey, String origin)
      throws ChangeDecodeException {
    return convert(e, () -> messageKey, origin);
  }

  /**
   * Like {@link #convert(ChangeEvent, List, String)}, reading the message key only when neither the
   * configuration nor the record names the key (it is a second JSON parse per record).
   */
  public List<RowChange> convert(ChangeEvent e, MessageKey messageKey, String origin)
      throws ChangeDecodeException {
    Route route = route(e.table());
    List<String> key = route.configuredKey;
    if (key == null) {
      key = !e.key().isEmpty() ? e.key() : messageKey.columns();
    }
    if (key == null || key.isEmpty()) {
      throw new ChangeDecodeException(
          "missing-key",
          "no primary key for table "
              + e.table()
              + ": set cdc.primary-keys (e.g. "
              + e.table().table()
              + "=id) or send keyed messages");
    }
    String[] keyColumns = key.toArray(new String[0]);
    List<RowChange> out = new ArrayList<>(2);
    long[] position = e.position();
    switch (e.op()) {
      case DELETE:
        out.add(keyOnly(e, route, keyColumns, e.before(), position, origin, RowKind.DELETE));
        break;
      case UPDATE:
        RowChange after =
            row(e, route, route.rows, keyColumns, e.after(), position, origin, RowKind.INSERT);
        // Equal key values give equal keys; only others are converted to compare (1.0 and 1.00)
        if (e.before() != null
            && hasKey(e.before(), keyColumns)
            && !sameKey(e.before(), e.after(), keyColumns)) {
          RowChange before =
              keyOnly(e, route, keyColumns, e.before(), position, origin, RowKind.DELETE);
          if (!before.key.equals(after.key)) {
            out.add(before); // the key changed: the old row goes, the new one comes
          }
        }
        out.add(after);
        break;
      default:
        out.add(row(e, route, route.rows, keyColumns, e.after(), position, origin, RowKind.INSERT));
    }
    return out;
  }

  private Route route(TableId table) {
    Route r = lastRoute;
    if (r != null && r.table.equals(table)) {
      return r;
    }
    if (routes == null || routes.size() >= MAX_CACHED_TYPES) {
      routes = new HashMap<>();
    }
    r = routes.computeIfAbsent(table, t -> new Route(t, tables));
    lastRoute = r;
    return r;
  }

  private static boolean sameKey(
      Map<String, Object> before, Map<String, Object> after, String[] keyColumns) {
    for (String k : keyColumns) {
      Object b = before.get(k);
      // byte[] compares by identity here, so binary keys take the converting way
      if (b == null || !b.equals(after.get(k))) {
        return false;
      }
    }
    return true;
  }

  private static boolean hasKey(Map<String, Object> image, String[] keyColumns) {
    for (String k : keyColumns) {
      if (image.get(k) == null) {
        return false;
      }
    }
    return true;
  }

  /** A delete needs only the key; other columns could only cause needless type conflicts. */
  private RowChange keyOnly(
      ChangeEvent e,
      Route route,
      String[] keyColumns,
      Map<String, Object> image,
      long[] position,
      String origin,
      RowKind kind)
      throws ChangeDecodeException {
    Map<String, Object> keyImage = ChangeEvent.image(keyColumns.length);
    for (String k : keyColumns) {
      keyImage.put(k, image.get(k));
    }
    return row(e, route, route.keys, keyColumns, keyImage, position, origin, kind);
  }

  private RowChange row(
      ChangeEvent e,
      Route route,
      Shape shape,
      String[] keyColumns,
      Map<String, Object> image,
      long[] position,
      String origin,
      RowKind kind)
      throws ChangeDecodeException {
    List<RowType.RowField> fields = new ArrayList<>(image.size());
    List<Object> values = new ArrayList<>(image.size());
    for (String k : keyColumns) {
      if (image.get(k) == null) {
        throw new ChangeDecodeException(
            "missing-key", "key column '" + k + "' of " + e.table() + " is absent or null");
      }
    }
    for (Map.Entry<String, Object> c : image.entrySet()) {
      String column = c.getKey();
      Object value = c.getValue();
      LogicalType type = route.configuredType(column);
      if (type == null) {
        type = e.types().get(column);
      }
      if (type == null) {
        type = ColumnValues.inferred(value);
        if (type == null) {
          continue; // a null of unknown type: the sink fills absent columns with null
        }
      }
      boolean isKey = contains(keyColumns, column);
      type = ColumnValues.normalised(type).copy(!isKey);
      fields.add(new RowType.RowField(column, type));
      values.add(ColumnValues.internal(value, type, column, e.table(), lenient));
    }
    GenericRowData row = new GenericRowData(kind, values.size());
    StringBuilder keyText = new StringBuilder(route.target);
    for (int i = 0; i < values.size(); i++) {
      row.setField(i, values.get(i));
    }
    for (String k : keyColumns) {
      int i = indexOf(fields, k);
      Object kv = values.get(i);
      String text =
          kv instanceof byte[] ? Base64.getEncoder().encodeToString((byte[]) kv) : kv.toString();
      // length-prefixed, so no value can fake a boundary between two key columns
      keyText.append(SEP).append(text.length()).append(':').append(text);
    }
    return new RowChange(
        route.target,
        keyText.toString(),
        kind,
        position,
        keyColumns,
        rowType(shape, fields),
        row,
        origin);
  }

  /** Most changes have the shape their table's last change had: compared, not hashed. */
  private RowType rowType(Shape last, List<RowType.RowField> fields) {
    if (fields.equals(last.fields)) {
      return last.type;
    }
    if (types == null || types.size() >= MAX_CACHED_TYPES) {
      types = new HashMap<>();
    }
    last.type = types.computeIfAbsent(fields, RowType::new);
    last.fields = fields;
    return last.type;
  }

  /** A source table's target, configured key and configured column types. */
  private static final class Route {
    private static final LogicalType NONE = new RowType(List.of());
    final TableId table;
    final String target;
    final List<String> configuredKey;
    private final CdcTables tables;
    private final Map<String, LogicalType> columnTypes = new HashMap<>();
    // the last shape of the table's full rows, and of its key-only deletes
    final Shape rows = new Shape();
    final Shape keys = new Shape();

    Route(TableId table, CdcTables tables) {
      this.table = table;
      this.tables = tables;
      this.target = tables.target(table);
      this.configuredKey = tables.configuredKey(table);
    }

    LogicalType configuredType(String column) {
      if (columnTypes.size() >= MAX_CACHED_TYPES) {
        columnTypes.clear();
      }
      LogicalType t =
          columnTypes.computeIfAbsent(
              column,
              c -> {
                LogicalType configured = tables.configuredType(table, c);
                return configured == null ? NONE : configured;
              });
      return t == NONE ? null : t;
    }
  }

  /** A row shape: its fields and their RowType instance. */
  private static final class Shape {
    List<RowType.RowField> fields;
    RowType type;
  }

  private static boolean contains(String[] a, String s) {
    for (String x : a) {
      if (x.equals(s)) {
        return true;
      }
    }
    return false;
  }

  private static int indexOf(List<RowType.RowField> fields, String name) {
    for (int i = 0; i < fields.size(); i++) {
      if (fields.get(i).getName().equals(name)) {
        return i;
      }
    }
    throw new IllegalStateException(name);
  }
}
