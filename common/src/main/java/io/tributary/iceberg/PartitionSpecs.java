package io.tributary.iceberg;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;

/** Parses partition specs written as in Iceberg's SQL: {@code days(ts), bucket(16, user_id)}. */
public final class PartitionSpecs {
  private static final Pattern TRANSFORM =
      Pattern.compile("^(\\w+)\\s*\\(\\s*(?:(\\d+)\\s*,\\s*)?([\\w.]+)\\s*\\)$");

  private PartitionSpecs() {}

  /**
   * @throws IllegalArgumentException naming the term that is wrong and the forms allowed
   */
  public static PartitionSpec parse(String spec, Schema schema) {
    PartitionSpec.Builder b = PartitionSpec.builderFor(schema);
    if (spec == null || spec.isBlank()) {
      return b.build();
    }
    for (String term : split(spec)) {
      String t = term.trim();
      Matcher m = TRANSFORM.matcher(t);
      try {
        if (t.matches("[\\w.]+")) {
          b.identity(t);
        } else if (!m.matches()) {
          throw new IllegalArgumentException("cannot read '" + t + "'");
        } else {
          String fn = m.group(1).toLowerCase(java.util.Locale.ROOT);
          String col = m.group(3);
          Integer n = m.group(2) == null ? null : Integer.parseInt(m.group(2));
          if ((fn.equals("bucket") || fn.equals("truncate")) != (n != null)) {
            throw new IllegalArgumentException("'" + t + "' has the wrong number of arguments");
          }
          switch (fn) {
            case "years":
            case "year":
              b.year(col);
              break;
            case "months":
            case "month":
              b.month(col);
              break;
            case "days":
            case "day":
              b.day(col);
              break;
            case "hours":
            case "hour":
              b.hour(col);
              break;
            case "bucket":
              b.bucket(col, n);
              break;
            case "truncate":
              b.truncate(col, n);
              break;
            default:
              throw new IllegalArgumentException("unknown transform '" + fn + "'");
          }
        }
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            e.getMessage()
                + ". Allowed: col, years(col), months(col), days(col), hours(col), bucket(N, col),"
                + " truncate(W, col), over the schema's columns "
                + schema.columns().stream()
                    .map(f -> f.name())
                    .collect(java.util.stream.Collectors.toList()),
            e);
      }
    }
    return b.build();
  }

  private static List<String> split(String spec) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    StringBuilder cur = new StringBuilder();
    for (char c : spec.toCharArray()) {
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      }
      if (c == ',' && depth == 0) {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }
}
