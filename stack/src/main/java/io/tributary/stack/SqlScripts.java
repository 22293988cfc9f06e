package io.tributary.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code sql/} scripts name their endpoints as {@code ${VARIABLE}}, as envsubst reads them (the
 * Docker SQL client renders them with envsubst). This fills them in, and refuses a script that
 * names a variable nobody set, instead of sending Flink a literal {@code ${...}}.
 */
public final class SqlScripts {
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)}");

  /** Values the scripts fall back to when neither the stack nor the environment sets them. */
  public static final Map<String, String> DEFAULTS =
      Map.of(
          "ICEBERG_DATABASE", "demo",
          "KAFKA_BOUNDED_MODE", "unbounded",
          "AWS_REGION", "us-east-1");

  private SqlScripts() {}

  /** Joins {@code files} in order into one script with every variable filled in. */
  public static String render(List<Path> files, Map<String, String> variables) {
    StringBuilder out = new StringBuilder();
    TreeSet<String> missing = new TreeSet<>();
    for (Path file : files) {
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read " + file, e);
      }
      Matcher m = VARIABLE.matcher(text);
      StringBuilder rendered = new StringBuilder();
      while (m.find()) {
        String value = variables.get(m.group(1));
        if (value == null) {
          missing.add(m.group(1));
          value = m.group();
        }
        m.appendReplacement(rendered, Matcher.quoteReplacement(value));
      }
      m.appendTail(rendered);
      out.append("-- ").append(file.getFileName()).append('\n').append(rendered);
      if (rendered.length() > 0 && rendered.charAt(rendered.length() - 1) != '\n') {
        out.append('\n');
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "The scripts "
              + files
              + " use "
              + missing
              + ", which nothing sets. Start the stack (bin/stack start, which writes stack.env),"
              + " or export them, e.g. "
              + missing.first()
              + "=...");
    }
    return out.toString();
  }

  /** Defaults, then the stack's endpoints, then the environment: the later wins. */
  public static Map<String, String> variables(
      StackSettings settings, Map<String, String> environment) {
    Map<String, String> vars = new LinkedHashMap<>(DEFAULTS);
    vars.putAll(settings.variables());
    environment.forEach(
        (k, v) -> {
          if (VARIABLE.matcher("${" + k + "}").matches()) {
            vars.put(k, v);
          }
        });
    return vars;
  }
}
