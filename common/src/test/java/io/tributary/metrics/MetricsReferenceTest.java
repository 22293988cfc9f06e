package io.tributary.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md's metrics reference is generated from {@link Metrics}. If this fails,
 * regenerate it: {@code mvn -pl common test -Dtest=MetricsReferenceTest -Dreadme.update=true}.
 */
class MetricsReferenceTest {
  static final Path DOC = Path.of("..", "docs", "operations.md");

  @Test
  void operationsDocMatchesTheCode() throws Exception {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    int begin = doc.indexOf(MetricsReference.BEGIN);
    int end = doc.indexOf(MetricsReference.END);
    assertThat(begin).as("docs/operations.md has the begin marker").isGreaterThanOrEqualTo(0);
    assertThat(end).as("docs/operations.md has the end marker").isGreaterThan(begin);
    String current = doc.substring(begin + MetricsReference.BEGIN.length(), end);
    String generated = "\n" + MetricsReference.markdown();
    if (Boolean.getBoolean("readme.update")) {
      Files.writeString(
          DOC,
          doc.substring(0, begin + MetricsReference.BEGIN.length())
              + generated
              + doc.substring(end),
          StandardCharsets.UTF_8);
      return;
    }
    assertThat(current)
        .as("docs/operations.md metrics reference is stale: rerun with -Dreadme.update=true")
        .isEqualTo(generated);
  }

  @Test
  void everyMetricNameIsDocumentedOnce() throws Exception {
    List<String> undocumented = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Field f : Metrics.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers())
          && f.getType() == String.class
          && ((String) f.get(null)).startsWith("tributary")) {
        names.add((String) f.get(null));
        if (f.getAnnotation(Metrics.Doc.class) == null) {
          undocumented.add(f.getName());
        }
      }
    }
    assertThat(undocumented).isEmpty();
    assertThat(names).doesNotHaveDuplicates();
    assertThat(MetricsReference.entries()).hasSize(names.size());
    assertThat(MetricsReference.markdown())
        .contains(
            "| `tributaryFreshnessMillis` | gauge | ms | Job, Table | ingest, aggregate, cdc |")
        .contains("| `tributaryDeadLettersPerSecond` | meter | records/s | Job, Reason |");
  }
}
