package io.tributary.cdc;

import io.tributary.config.ConfigLists;
import io.tributary.config.GroupConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;

/**
 * What the configuration says about source tables: which Iceberg table each one goes to, its
 * primary key, and column types. Every entry is checked at start-up, so a typo fails the job before
 * it reads anything.
 */
public final class CdcTables implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String defaultNamespace;
  private final Map<String, String> targets;
  private final Map<String, List<String>> keys;
  private final Map<String, String> columnTypes;
  private final Map<String, String> partitionSpecs;
  private transient Map<TableId, String> targetCache;
  private transient Map<String, LogicalType> parsedTypes;

  CdcTables(
      String defaultNamespace,
      Map<String, String> targets,
      Map<String, List<String>> keys,
      Map<String, String> columnTypes,
      Map<String, String> partitionSpecs) {
    this.defaultNamespace = defaultNamespace;
    this.targets = targets;
    this.keys = keys;
    this.columnTypes = columnTypes;
    this.partitionSpecs = partitionSpecs;
  }

  /**
   * Reads the {@code cdc} group; {@code namespace} (iceberg.database) is where a source table
   * without a mapping is mirrored.
   */
  public static CdcTables fromConfig(GroupConfig c, String namespace) {
    Map<String, String> targets = new HashMap<>();
    for (Map.Entry<String, String> e : entries(c, CdcOptions.TABLES).entrySet()) {
      String target = e.getValue().trim();
      if (!target.matches("[A-Za-z0-9_]+\\.[A-Za-z0-9_]+")) {
        throw c.invalid(
            CdcOptions.TABLES,
            "maps '"
                + e.getKey()
                + "' to '"
                + target
                + "'. Write the target as namespace.table (letters, digits, _).");
      }
      targets.put(e.getKey(), target);
    }
    Map<String, List<String>> keys = new HashMap<>();
    for (Map.Entry<String, String> e : entries(c, CdcOptions.PRIMARY_KEYS).entrySet()) {
      List<String> columns = ConfigLists.split(e.getValue(), ",");
      for (String k : columns) {
        if (k.contains("=")) {
          // "a=id,b=id": tables separated with ',' read as one table with a column "b=id"
          throw c.invalid(
              CdcOptions.PRIMARY_KEYS,
              "gives '"
                  + e.getKey()
                  + "' the column '"
                  + k
                  + "'. Columns of one table are separated by ',', tables by ';': write e.g."
                  + " orders=id; customers=tenant,id.");
        }
      }
      if (columns.isEmpty()) {
        throw c.invalid(
            CdcOptions.PRIMARY_KEYS, "names no column for '" + e.getKey() + "'. Use t=c1,c2.");
      }
      keys.put(e.getKey(), columns);
    }
    Map<String, String> types = new HashMap<>();
    for (Map.Entry<String, String> e : entries(c, CdcOptions.COLUMN_TYPES).entrySet()) {
      if (!e.getKey().contains(".")) {
        throw c.invalid(
            CdcOptions.COLUMN_TYPES,
            "has '" + e.getKey() + "' without a table. Write table.column=TYPE.");
      }
      try {
        // normalised() rejects what the parser accepts but CDC columns cannot hold: unknown
        // words (parsed as user-defined types), arrays, maps, rows
        ColumnValues.normalised(
            LogicalTypeParser.parse(e.getValue().trim(), CdcTables.class.getClassLoader()));
      } catch (ValidationException | IllegalArgumentException ex) {
        throw c.invalid(
            CdcOptions.COLUMN_TYPES,
            "has '"
                + e.getValue().trim()
                + "' for "
                + e.getKey()
                + ", which is not a Flink SQL type a CDC column can hold (a scalar: BIGINT,"
                + " DECIMAL(12,2), TIMESTAMP(6)...).");
      }
      types.put(e.getKey(), e.getValue().trim());
    }
    Map<String, String> specs = new HashMap<>();
    for (Map.Entry<String, String> e : entries(c, CdcOptions.PARTITION_SPEC).entrySet()) {
      String target = targets.getOrDefault(e.getKey(), e.getKey()).toLowerCase(Locale.ROOT);
      if (!target.matches("[a-z0-9_]+\\.[a-z0-9_]+")) {
        throw c.invalid(
            CdcOptions.PARTITION_SPEC,
            "names '"
                + e.getKey()
                + "', which is neither namespace.table nor a source that cdc.tables maps."
                + " Name the mirrored Iceberg table, e.g. inventory.orders=bucket(16, id).");
      }
      specs.put(target, e.getValue().trim());
    }
    return new CdcTables(namespace, targets, keys, types, specs);
  }

  /** Parses {@code a=b; c=d}, keys lower-cased so sources match case-insensitively. */
  private static Map<String, String> entries(
      GroupConfig c, org.apache.flink.configuration.ConfigOption<String> option) {
    Map<String, String> out = new LinkedHashMap<>();
    // primary-keys and partition-spec list columns or terms with ',', so only ';' separates
    // their entries; in the others
    // a ',' inside a type's parentheses (DECIMAL(12,2)) belongs to the type.
    String separators =
        option == CdcOptions.PRIMARY_KEYS || option == CdcOptions.PARTITION_SPEC ? ";" : ",;";
    for (String entry : ConfigLists.split(c.get(option), separators)) {
      int eq = entry.indexOf('=');
      if (eq <= 0 || eq == entry.length() - 1) {
        throw c.invalid(
            option,
            "has '"
                + entry
                + "', which is not source=value. Separate entries with "
                + separators
                + ".");
      }
      out.put(entry.substring(0, eq).trim().toLowerCase(Locale.ROOT), entry.substring(eq + 1));
    }
    return out;
  }

  /** The names a source table may be configured under, most specific first. */
  static List<String> names(TableId t) {
    List<String> out = new ArrayList<>(4);
    String table = t.table().toLowerCase(Locale.ROOT);
    String schema = t.schema() == null ? null : t.schema().toLowerCase(Locale.ROOT);
    String db = t.database() == null ? null : t.database().toLowerCase(Locale.ROOT);
    if (db != null && schema != null) {
      out.add(db + "." + schema + "." + table);
    }
    if (db != null) {
      out.add(db + "." + table);
    }
    if (schema != null) {
      out.add(schema + "." + table);
    }
    out.add(table);
    return out;
  }

  private <V> V lookup(Map<String, V> map, TableId t, String suffix) {
    if (map.isEmpty()) {
      return null;
    }
    for (String name : names(t)) {
      V v = map.get(suffix == null ? name : name + "." + suffix);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  /** The targets {@code cdc.tables} names, as {@code namespace.table}. */
  public java.util.Collection<String> configuredTargets() {
    return new java.util.TreeSet<>(targets.values());
  }

  /** The Iceberg table, {@code namespace.table}, that changes of {@code source} go to. */
  public String target(TableId source) {
    if (targetCache == null) {
      targetCache = new HashMap<>();
    }
    return targetCache.computeIfAbsent(source, this::resolveTarget);
  }

  private String resolveTarget(TableId source) {
    String configured = lookup(targets, source, null);
    if (configured != null) {
      return configured;
    }
    String namespace = source.database() == null ? defaultNamespace : clean(source.database());
    String name =
        source.schema() == null
            ? clean(source.table())
            : clean(source.schema()) + "_" + clean(source.table());
    return namespace + "." + name;
  }

  private static String clean(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  /** The configured partition spec of the Iceberg table {@code target}, or null. */
  public String partitionSpec(String target) {
    return partitionSpecs.get(target.toLowerCase(Locale.ROOT));
  }

  /** Every configured partition spec, by Iceberg table ({@code namespace.table}). */
  public Map<String, String> partitionSpecs() {
    return java.util.Collections.unmodifiableMap(partitionSpecs);
  }

  /**
   * The key columns configured for the sources that cdc.tables maps to {@code target}, one list per
   * source (empty when none is configured).
   */
  public List<List<String>> configuredKeysOf(String target) {
    List<List<String>> out = new ArrayList<>();
    for (Map.Entry<String, String> e : targets.entrySet()) {
      if (e.getValue().equalsIgnoreCase(target) && keys.containsKey(e.getKey())) {
        out.add(keys.get(e.getKey()));
      }
    }
    return out;
  }

  /** The configured key columns of {@code source}, or null when none are configured. */
  public List<String> configuredKey(TableId source) {
    return lookup(keys, source, null);
  }

  /** The configured type of {@code column} of {@code source}, or null. */
  public LogicalType configuredType(TableId source, String column) {
    String text = lookup(columnTypes, source, column.toLowerCase(Locale.ROOT));
    if (text == null) {
      return null;
    }
    if (parsedTypes == null) {
      parsedTypes = new HashMap<>();
    }
    return parsedTypes.computeIfAbsent(
        text, s -> LogicalTypeParser.parse(s, CdcTables.class.getClassLoader()));
  }
}
