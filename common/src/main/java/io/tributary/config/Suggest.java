package io.tributary.config;

import java.util.Collection;
import java.util.Comparator;

/** "Did you mean" hints for misspelt groups, keys and options, by edit distance. */
final class Suggest {
  private Suggest() {}

  /** " Did you mean 'x'?" for the nearest candidate, or "" when none is near. */
  static String didYouMean(String typed, Collection<String> candidates) {
    return candidates.stream()
        .min(Comparator.comparingInt(k -> distance(k, typed)))
        .filter(k -> distance(k, typed) <= Math.max(2, typed.length() / 3))
        .map(k -> " Did you mean '" + k + "'?")
        .orElse("");
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
