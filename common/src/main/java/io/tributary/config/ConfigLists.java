package io.tributary.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits list values. Users write lists with ',' as often as with ';' (examples, shell habits,
 * Kafka's own bootstrap.servers), and reading "a,b" as one item named "a,b" fails far from the
 * cause, so both separate items wherever an item cannot itself hold a top-level comma. Separators
 * inside parentheses or angle brackets belong to the item: {@code bucket(16, id)}, {@code
 * DECIMAL(12,2)}.
 */
public final class ConfigLists {
  private ConfigLists() {}

  /** Items separated by ',' or ';', trimmed, empty items dropped. */
  public static List<String> split(String text) {
    return split(text, ",;");
  }

  /** Items separated by any character of {@code separators}, trimmed, empty items dropped. */
  public static List<String> split(String text, String separators) {
    List<String> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    int depth = 0;
    StringBuilder cur = new StringBuilder();
    for (char ch : text.toCharArray()) {
      if (ch == '(' || ch == '<') {
        depth++;
      } else if ((ch == ')' || ch == '>') && depth > 0) {
        depth--;
      }
      if (depth == 0 && separators.indexOf(ch) >= 0) {
        add(out, cur);
      } else {
        cur.append(ch);
      }
    }
    add(out, cur);
    return out;
  }

  private static void add(List<String> out, StringBuilder cur) {
    String item = cur.toString().trim();
    if (!item.isEmpty()) {
      out.add(item);
    }
    cur.setLength(0);
  }
}
