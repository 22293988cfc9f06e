package io.tributary.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.jobs.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * --help and -h print usage and return normally (exit code 0), for the local runner and for the
 * cluster jar's Main; before, they failed with "command-line option '--help' has no value".
 */
class LauncherHelpTest {
  private static String stdout(ThrowingRunnable r) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setOut(old);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void helpPrintsUsageAndTheGroups() throws Exception {
    for (String[] args :
        new String[][] {
          {"--help"}, {"-h"}, {"help"}, {"run", "--config", "missing.json", "--help"}
        }) {
      String out = stdout(() -> Launcher.main(args));
      assertThat(out)
          .as(String.join(" ", args))
          .startsWith("usage: java -jar tributary-local.jar [run|show] --config FILE")
          .contains("Property groups:")
          .contains("  kafka      Apache Kafka or Amazon MSK source")
          .contains("  iceberg    The Iceberg catalog, target table and writer.");
    }
    assertThat(stdout(() -> Launcher.main(new String[] {"--help", "kinesis"})))
        .contains("  --kinesis.poll.max-records  Integer (default 10000)")
        .contains("Range: between 1 and 10000.");
  }

  @Test
  void mainPrintsUsageToo() throws Exception {
    assertThat(stdout(() -> Main.main(new String[] {"-h"})))
        .startsWith("usage: flink run [flink options] tributary-jobs.jar --config FILE")
        .contains("  cdc        Change streams mirrored into Iceberg v2 upsert tables.");
  }
}
