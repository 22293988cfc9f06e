package io.tributary.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * CPU time per decoded event: the strict decoder against Flink's lenient JSON converter on the same
 * event, alternating in one thread, measured as thread CPU time so that a busy machine (other
 * processes on the same cores) changes the wall time but not the ratio.
 *
 * <p>Run from the repository root after {@code mvn -q install -DskipTests}: {@code java -cp
 * "bench/target/classes:$(cat bench/target/bench.classpath)" io.tributary.bench.DecodeCost}
 */
public final class DecodeCost {
  private DecodeCost() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
    HotPathBenchmarks b = new HotPathBenchmarks();
    b.setUp();
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    double[] flink = new double[rounds];
    double[] strict = new double[rounds];
    for (int r = -3; r < rounds; r++) { // three warm-up rounds
      long t0 = cpu.getCurrentThreadCpuTime();
      for (int i = 0; i < perRound; i++) {
        b.eventFlinkJsonConverter();
      }
      long t1 = cpu.getCurrentThreadCpuTime();
      for (int i = 0; i < perRound; i++) {
        b.eventToRowData();
      }
      long t2 = cpu.getCurrentThreadCpuTime();
      if (r >= 0) {
        flink[r] = (t1 - t0) / (double) perRound;
        strict[r] = (t2 - t1) / (double) perRound;
      }
    }
    double[] ratio = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      ratio[r] = strict[r] / flink[r];
    }
    System.out.printf(
        "CPU ns per event over %d rounds of %,d: Flink's converter median %.0f, strict decoder"
            + " (with UTF-8, size, NOT NULL and event-time checks) median %.0f; strict/Flink"
            + " median %.3f, min %.3f, max %.3f%n",
        rounds, perRound, median(flink), median(strict), median(ratio), min(ratio), max(ratio));
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }
}
