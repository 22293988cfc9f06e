package io.tributary.metrics;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The metrics reference in Markdown, generated from {@link Metrics}' {@link Metrics.Doc}s so
 * docs/operations.md cannot drift from the code; a test compares the two.
 */
public final class MetricsReference {
  public static final String BEGIN = "<!-- metrics-reference:begin (generated; do not edit) -->";
  public static final String END = "<!-- metrics-reference:end -->";

  private MetricsReference() {}

  /** A metric name and its entry. */
  public static final class Entry {
    public final String name;
    public final Metrics.Doc doc;

    Entry(String name, Metrics.Doc doc) {
      this.name = name;
      this.doc = doc;
    }
  }

  /** Every documented metric, by scope, then name. */
  public static List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    for (Field f : Metrics.class.getDeclaredFields()) {
      Metrics.Doc doc = f.getAnnotation(Metrics.Doc.class);
      if (doc != null && Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        try {
          out.add(new Entry((String) f.get(null), doc));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    out.sort(
        Comparator.<Entry, Metrics.Scope>comparing(e -> e.doc.scope()).thenComparing(e -> e.name));
    return out;
  }

  public static String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("Every metric is under `")
        .append(Metrics.GROUP)
        .append("` → `")
        .append(Metrics.JOB_KEY)
        .append("=<job>`; the scope column names the sub-group keys.\n\n");
    sb.append("| metric | type | unit | scope | jobs | what and how |\n");
    sb.append("|---|---|---|---|---|---|\n");
    for (Entry e : entries()) {
      sb.append("| `")
          .append(e.name)
          .append("` | ")
          .append(e.doc.type().name().toLowerCase(java.util.Locale.ROOT))
          .append(" | ")
          .append(e.doc.unit())
          .append(" | ")
          .append(e.doc.scope().keys)
          .append(" | ")
          .append(e.doc.jobs())
          .append(" | ")
          .append(e.doc.value().replace("|", "\\|"))
          .append(" |\n");
    }
    return sb.toString();
  }
}
