package io.tributary.window;

import io.tributary.config.ConfigLists;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.utils.LogicalTypeMerging;

/** One aggregate of the job: {@code sum(amount) AS revenue}. */
public final class AggregateSpec implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern ONE =
      Pattern.compile("^(\\w+)\\s*\\(\\s*(\\*|\\w+)\\s*\\)\\s+(?:(?i)as\\s+)?(\\w+)$");

  /** The functions. */
  public enum Function {
    COUNT,
    SUM,
    MIN,
    MAX,
    AVG,
    COUNT_DISTINCT
  }

  final Function function;

  /** Field index in the event row; -1 for count(*). */
  final int field;

  final String fieldName;
  final String column;
  final LogicalType inputType;
  final LogicalType resultType;

  private AggregateSpec(
      Function function, int field, String fieldName, String column, LogicalType inputType) {
    this.function = function;
    this.field = field;
    this.fieldName = fieldName;
    this.column = column;
    this.inputType = inputType;
    this.resultType = resultType(function, inputType);
  }

  /**
   * Parses {@code count(*) AS n, sum(amount) AS total}.
   *
   * @throws IllegalArgumentException naming the term and what is allowed
   */
  public static List<AggregateSpec> parse(String text, RowType schema) {
    List<AggregateSpec> out = new ArrayList<>();
    Set<String> columns = new HashSet<>();
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("names no aggregate. Write e.g. count(*) AS events");
    }
    for (String term : ConfigLists.split(text)) {
      String t = term.trim();
      Matcher m = ONE.matcher(t);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "cannot read '"
                + t
                + "'. Write function(field) AS column, e.g. sum(amount) AS revenue");
      }
      Function fn;
      try {
        fn = Function.valueOf(m.group(1).toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown aggregate '"
                + m.group(1)
                + "' in '"
                + t
                + "'. Known: count, sum, min, max, avg, count_distinct");
      }
      String arg = m.group(2);
      String column = m.group(3);
      if (!columns.add(column)) {
        throw new IllegalArgumentException("column '" + column + "' is named twice");
      }
      if (arg.equals("*")) {
        if (fn != Function.COUNT) {
          throw new IllegalArgumentException("only count takes *: '" + t + "'");
        }
        out.add(new AggregateSpec(fn, -1, "*", column, null));
        continue;
      }
      int idx = schema.getFieldNames().indexOf(arg);
      if (idx < 0) {
        throw new IllegalArgumentException(
            "'"
                + arg
                + "' in '"
                + t
                + "' is not a field of format.schema "
                + schema.getFieldNames());
      }
      LogicalType type = schema.getTypeAt(idx);
      boolean numeric = type.is(LogicalTypeFamily.NUMERIC);
      if (fn != Function.COUNT && fn != Function.COUNT_DISTINCT && !numeric) {
        throw new IllegalArgumentException(
            fn.name().toLowerCase(Locale.ROOT)
                + " needs a numeric field, but '"
                + arg
                + "' is "
                + type
                + " in '"
                + t
                + "'");
      }
      out.add(new AggregateSpec(fn, idx, arg, column, type));
    }
    return out;
  }

  static LogicalType resultType(Function fn, LogicalType input) {
    switch (fn) {
      case COUNT:
      case COUNT_DISTINCT:
        return new BigIntType(false);
      case SUM:
        return LogicalTypeMerging.findSumAggType(input).copy(true);
      case AVG:
        return LogicalTypeMerging.findAvgAggType(input).copy(true);
      case MIN:
      case MAX:
      default:
        return input.copy(true);
    }
  }

  public String column() {
    return column;
  }

  public LogicalType resultType() {
    return resultType;
  }

  @Override
  public String toString() {
    return function.name().toLowerCase(Locale.ROOT) + "(" + fieldName + ") AS " + column;
  }
}
