package io.tributary.iceberg;

import io.tributary.config.ConfigLists;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdatePartitionSpec;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.transforms.Transform;
import org.apache.iceberg.transforms.Transforms;
import org.apache.iceberg.types.Type;

/** Parses partition specs written as in Iceberg's SQL: {@code days(ts), bucket(16, user_id)}. */
public final class PartitionSpecs {
  private static final Pattern TRANSFORM =
      Pattern.compile("^(\\w+)\\s*\\(\\s*(?:(\\d+)\\s*,\\s*)?([\\w.]+)\\s*\\)$");

  /** The written function to Iceberg's transform name, and the column types it takes. */
  private static final Map<String, String[]> FUNCTIONS =
      Map.ofEntries(
          Map.entry("years", new String[] {"year", "a date or timestamp"}),
          Map.entry("year", new String[] {"year", "a date or timestamp"}),
          Map.entry("months", new String[] {"month", "a date or timestamp"}),
          Map.entry("month", new String[] {"month", "a date or timestamp"}),
          Map.entry("days", new String[] {"day", "a date or timestamp"}),
          Map.entry("day", new String[] {"day", "a date or timestamp"}),
          Map.entry("hours", new String[] {"hour", "a timestamp"}),
          Map.entry("hour", new String[] {"hour", "a timestamp"}),
          Map.entry(
              "bucket",
              new String[] {
                "bucket",
                "an int, bigint, decimal, date, time, timestamp, string, uuid, fixed or binary"
              }),
          Map.entry(
              "truncate", new String[] {"truncate", "an int, bigint, decimal, string or binary"}));

  private static final String ALLOWED =
      "col, years(col), months(col), days(col), hours(col), bucket(N, col), truncate(W, col)";

  private PartitionSpecs() {}

  /**
   * Every term is checked against the schema: the column exists, the transform fits its type, a
   * bucket count or truncate width is at least 1.
   *
   * @throws IllegalArgumentException naming the term that is wrong and the forms allowed
   */
  public static PartitionSpec parse(String spec, Schema schema) {
    PartitionSpec.Builder b = PartitionSpec.builderFor(schema);
    if (spec == null || spec.isBlank()) {
      return b.build();
    }
    for (String t : ConfigLists.split(spec)) {
      try {
        add(b, t, schema);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            e.getMessage()
                + ". Allowed: "
                + ALLOWED
                + ", over the columns "
                + schema.columns().stream().map(f -> f.name()).collect(Collectors.toList()),
            e);
      }
    }
    try {
      return b.build();
    } catch (RuntimeException e) {
      // add() has checked each term; what is left is Iceberg's own check of the whole spec.
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * The source column of every term of {@code spec}, read without a schema (for checks made before
   * a table's columns are known).
   *
   * @throws IllegalArgumentException naming a term that is not one of the allowed forms
   */
  public static List<String> columns(String spec) {
    List<String> out = new ArrayList<>();
    for (String t : ConfigLists.split(spec)) {
      if (t.matches("[\\w.]+")) {
        out.add(t);
        continue;
      }
      Matcher m = TRANSFORM.matcher(t);
      if (!m.matches() || !FUNCTIONS.containsKey(m.group(1).toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("cannot read '" + t + "'. Allowed: " + ALLOWED);
      }
      out.add(m.group(3));
    }
    return out;
  }

  /** {@code spec}'s terms rebound, by column name, to {@code schema} (same columns, other ids). */
  public static PartitionSpec rebind(PartitionSpec spec, Schema specSchema, Schema schema) {
    return spec.isUnpartitioned()
        ? PartitionSpec.unpartitioned()
        : parse(describe(spec, specSchema), schema);
  }

  private static void add(PartitionSpec.Builder b, String t, Schema schema) {
    String fn;
    String col;
    Integer n = null;
    if (t.matches("[\\w.]+")) {
      fn = "identity";
      col = t;
    } else {
      Matcher m = TRANSFORM.matcher(t);
      if (!m.matches()) {
        throw new IllegalArgumentException("cannot read '" + t + "'");
      }
      fn = m.group(1).toLowerCase(Locale.ROOT);
      col = m.group(3);
      if (!FUNCTIONS.containsKey(fn)) {
        throw new IllegalArgumentException("unknown transform '" + fn + "' in '" + t + "'");
      }
      boolean takesNumber = fn.equals("bucket") || fn.equals("truncate");
      if (takesNumber != (m.group(2) != null)) {
        throw new IllegalArgumentException("'" + t + "' has the wrong number of arguments");
      }
      if (takesNumber) {
        long v = m.group(2).length() > 10 ? Long.MAX_VALUE : Long.parseLong(m.group(2));
        if (v < 1 || v > Integer.MAX_VALUE) {
          throw new IllegalArgumentException(
              "'"
                  + t
                  + "' has "
                  + (fn.equals("bucket") ? "bucket count " : "width ")
                  + m.group(2)
                  + "; it must be between 1 and "
                  + Integer.MAX_VALUE);
        }
        n = (int) v;
      }
    }
    Type type = schema.findType(col);
    if (type == null) {
      throw new IllegalArgumentException("'" + t + "' names no column '" + col + "'");
    }
    String name = fn.equals("identity") ? "identity" : FUNCTIONS.get(fn)[0];
    Transform<?, ?> transform = Transforms.fromString(n == null ? name : name + "[" + n + "]");
    if (!type.isPrimitiveType() || !transform.canTransform(type)) {
      throw new IllegalArgumentException(
          "'"
              + t
              + "' does not fit column '"
              + col
              + "' of type "
              + type
              + ": "
              + (fn.equals("identity")
                  ? "a nested column cannot be a partition"
                  : fn + " takes " + FUNCTIONS.get(fn)[1] + " column"));
    }
    switch (name) {
      case "identity":
        b.identity(col);
        break;
      case "year":
        b.year(col);
        break;
      case "month":
        b.month(col);
        break;
      case "day":
        b.day(col);
        break;
      case "hour":
        b.hour(col);
        break;
      case "bucket":
        b.bucket(col, n);
        break;
      default:
        b.truncate(col, n);
        break;
    }
  }

  /**
   * True when both partition by the same transforms of the same columns. The order is ignored: it
   * changes only the order of a data file's path segments, and evolution appends new fields.
   */
  public static boolean sameFields(PartitionSpec a, PartitionSpec b) {
    return new java.util.HashSet<>(keys(a)).equals(new java.util.HashSet<>(keys(b)));
  }

  /** The spec as it would be written in iceberg.partition-spec; "unpartitioned" when empty. */
  public static String describe(PartitionSpec spec, Schema schema) {
    List<String> terms = new ArrayList<>();
    for (PartitionField f : live(spec)) {
      String col = schema.findColumnName(f.sourceId());
      String tr = f.transform().toString();
      if (tr.equals("identity")) {
        terms.add(col);
      } else if (tr.startsWith("bucket[") || tr.startsWith("truncate[")) {
        int open = tr.indexOf('[');
        terms.add(
            tr.substring(0, open)
                + "("
                + tr.substring(open + 1, tr.length() - 1)
                + ", "
                + col
                + ")");
      } else {
        terms.add(tr + "s(" + col + ")");
      }
    }
    return terms.isEmpty() ? "unpartitioned" : String.join(", ", terms);
  }

  /**
   * Evolves the table's spec to {@code wanted} (bound to the table's schema) with Iceberg's
   * UpdatePartitionSpec: fields not wanted are removed, missing ones added. Existing data files
   * keep their old layout; new files follow the new spec.
   */
  public static void evolve(Table table, PartitionSpec wanted) {
    UpdatePartitionSpec update = table.updateSpec();
    List<String> want = keys(wanted);
    List<String> have = keys(table.spec());
    for (PartitionField f : live(table.spec())) {
      if (!want.contains(key(f))) {
        update.removeField(f.name());
      }
    }
    for (PartitionField f : live(wanted)) {
      if (!have.contains(key(f))) {
        String col = table.schema().findColumnName(f.sourceId());
        if (f.transform().isIdentity()) {
          update.addField(col);
        } else {
          update.addField(Expressions.transform(col, f.transform()));
        }
      }
    }
    update.commit();
  }

  private static List<PartitionField> live(PartitionSpec spec) {
    // a field removed from a v1 table stays as a void transform
    return spec.fields().stream()
        .filter(f -> !f.transform().toString().equals("void"))
        .collect(Collectors.toList());
  }

  private static List<String> keys(PartitionSpec spec) {
    return live(spec).stream().map(PartitionSpecs::key).collect(Collectors.toList());
  }

  private static String key(PartitionField f) {
    return f.sourceId() + ":" + f.transform();
  }
}
