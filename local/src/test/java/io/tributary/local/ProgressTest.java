package io.tributary.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How the progress line is written: in place on a terminal, whole lines into a pipe. */
@Timeout(30)
class ProgressTest {
  private static final String EMPTY =
      "progress: events read 0 | rows committed 0 | dead letters 0 | lag - | last checkpoint none"
          + " | 0 events/s";

  @Test
  void aTerminalGetsOneLineRewrittenInPlaceEndedByTheFinalFigures() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Progress.Printer printer =
        new Progress("lake.dl").start(new PrintStream(bytes, true, UTF_8), true, 20);
    waitForLines(bytes, '\r', 3);
    printer.stop();
    String out = bytes.toString(UTF_8);
    assertThat(out).endsWith(System.lineSeparator()).startsWith("\r" + EMPTY);
    String body = out.substring(0, out.length() - System.lineSeparator().length());
    assertThat(body).doesNotContain("\n");
    for (String line : body.substring(1).split("\r")) {
      assertThat(line).isEqualTo(EMPTY);
    }
  }

  @Test
  void aPipeGetsWholeLines() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Progress.Printer printer =
        new Progress("lake.dl").start(new PrintStream(bytes, true, UTF_8), false, 20);
    waitForLines(bytes, '\n', 3);
    printer.stop();
    String out = bytes.toString(UTF_8);
    assertThat(out).doesNotContain("\r");
    assertThat(out.lines()).hasSizeGreaterThanOrEqualTo(4).allMatch(EMPTY::equals);
  }

  private static void waitForLines(ByteArrayOutputStream bytes, char end, int lines)
      throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (bytes.toString(UTF_8).chars().filter(c -> c == end).count() < lines) {
      assertThat(System.nanoTime()).as("%d lines within 10 s", lines).isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
