package org.apache.hadoop.util;

import java.util.HashSet;

/**
 * The one method of Hadoop 3.4's {@code Sets} that Iceberg 1.10.1's dynamic sink calls (its
 * WriteTarget, DynamicSinkUtil and DynamicRecordInternalSerializer import {@code
 * org.apache.hadoop.util.Sets} by mistake for Iceberg's relocated Guava one). The suite ships
 * Hadoop 3.3.6, which has no such class, so without this the cdc sink fails with
 * NoClassDefFoundError. Where a newer Hadoop is on the classpath, Flink loads Hadoop's own class
 * first (org.apache.hadoop is parent-first) and this one is unused. Remove when Iceberg fixes the
 * import or Hadoop moves to 3.4.
 */
public final class Sets {
  private Sets() {}

  public static <E> HashSet<E> newHashSetWithExpectedSize(int expectedSize) {
    return new HashSet<>(Math.max(16, (int) (expectedSize / 0.75f) + 1));
  }
}
