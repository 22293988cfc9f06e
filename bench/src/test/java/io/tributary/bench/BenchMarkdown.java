package io.tributary.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The harness's report as Markdown tables: per job, targets, and every run. */
final class BenchMarkdown {
  private BenchMarkdown() {}

  @SuppressWarnings("unchecked")
  static String of(Map<String, Object> report) {
    StringBuilder md = new StringBuilder();
    Map<String, Object> settings = (Map<String, Object>) report.get("settings");
    Map<String, Object> machine = (Map<String, Object>) report.get("machine");
    List<Map<String, Object>> jobs = (List<Map<String, Object>>) report.get("jobs");
    md.append(
        String.format(
            Locale.ROOT,
            "Run %s to %s; %s rounds, parallelism %s, checkpoints every %s, %s Kafka partitions;"
                + " %s CPUs, %.1f GiB, %s, load average at start %.2f.%n%n",
            report.get("started"),
            report.get("finished"),
            settings.get("rounds"),
            settings.get("parallelism"),
            settings.get("checkpointInterval"),
            settings.get("kafkaPartitions"),
            machine.get("cpus"),
            ((Number) machine.get("memoryBytes")).doubleValue() / (1L << 30),
            machine.get("jdk"),
            ((Number) machine.get("loadAverageAtStart")).doubleValue()));
    if (jobs != null) {
      bounded(md, jobs);
    }
    Map<String, Object> steady = (Map<String, Object>) report.get("steady");
    if (steady != null) {
      steady(md, steady);
    }
    return md.toString();
  }

  @SuppressWarnings("unchecked")
  private static void bounded(StringBuilder md, List<Map<String, Object>> jobs) {
    md.append("| job | events (bytes each) | events/s ceiling | events/s job | events/s SQL |")
        .append(" job/SQL | job/ceiling | CPU s/M ceiling, job, SQL | every event |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (Map<String, Object> job : jobs) {
      Map<String, Object> data = (Map<String, Object>) job.get("data");
      Map<String, Object> sum = (Map<String, Object>) job.get("summary");
      Map<String, Object> rates = (Map<String, Object>) sum.get("eventsPerSecond");
      Map<String, Object> cpu = (Map<String, Object>) sum.get("cpuSecondsPerMillion");
      md.append(
          String.format(
              Locale.ROOT,
              "| `%s` | %,d (%d B) | %s | %s | %s | %s | %s | %s, %s, %s | %s |%n",
              job.get("job"),
              ((Number) data.get("events")).longValue(),
              ((Number) data.get("bytesPerEvent")).longValue(),
              spread(rates.get("ceiling"), 0),
              spread(rates.get("job"), 0),
              spread(rates.get("sql"), 0),
              spread(sum.get("jobToSql"), 2),
              spread(sum.get("jobToCeiling"), 2),
              median(cpu.get("ceiling"), 1),
              median(cpu.get("job"), 1),
              median(cpu.get("sql"), 1),
              Boolean.TRUE.equals(sum.get("allComplete")) ? "yes, every run" : "**NO**"));
    }
    md.append("\nMedian [min..max] over the rounds; ratios are per round (job over the same")
        .append(" round's SQL twin or ceiling). A run that did not process every event is left")
        .append(" out of the rates, and its round out of the ratios.\n\n");

    md.append("| job | target | measured | |\n|---|---|---:|---|\n");
    for (Map<String, Object> job : jobs) {
      for (Map<String, Object> t : (List<Map<String, Object>>) job.get("targets")) {
        md.append(
            String.format(
                Locale.ROOT,
                "| `%s` | %s | %s | %s |%n",
                job.get("job"),
                t.get("target"),
                t.get("value"),
                Boolean.TRUE.equals(t.get("met")) ? "met" : "**missed**"));
      }
    }

    md.append("\nEvery run:\n\n")
        .append("| job | round | run | events/s | wall s | CPU s/M (broker) | commits |")
        .append(" data files per commit, median / max | bytes per commit, median |")
        .append(" checkpoints: n, median / max ms | processed |\n")
        .append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (Map<String, Object> job : jobs) {
      for (Map<String, Object> run : (List<Map<String, Object>>) job.get("runs")) {
        Map<String, Object> ice = (Map<String, Object>) run.get("iceberg");
        Map<String, Object> cp = (Map<String, Object>) run.get("checkpoints");
        md.append(
            String.format(
                Locale.ROOT,
                "| `%s` | %s | %s | %,.0f | %.1f | %.1f (%.1f) | %s | %s | %s | %s, %s / %s | %s%s"
                    + " |%n",
                job.get("job"),
                run.get("round"),
                run.get("kind"),
                ((Number) run.get("eventsPerSecond")).doubleValue(),
                ((Number) run.get("seconds")).doubleValue(),
                ((Number) run.get("cpuSecondsPerMillion")).doubleValue(),
                ((Number) run.get("brokerCpuSecondsPerMillion")).doubleValue(),
                ice == null ? "-" : ice.get("commits"),
                ice == null
                    ? "-"
                    : number(ice.get("dataFilesPerCommitMedian"), 1)
                        + " / "
                        + number(ice.get("dataFilesPerCommitMax"), 0),
                ice == null ? "-" : megabytes(ice.get("bytesPerCommitMedian")),
                cp.get("count"),
                number(cp.get("medianMs"), 0),
                number(cp.get("maxMs"), 0),
                Boolean.TRUE.equals(run.get("complete")) ? "all: " : "**INCOMPLETE**: ",
                run.get("processed")
                    + (run.containsKey("attemptsLostToEndOfInputCommit")
                        ? "; timed again after "
                            + ((List<?>) run.get("attemptsLostToEndOfInputCommit")).size()
                            + " attempt(s) that Iceberg's end-of-input commit cut short"
                        : "")));
      }
    }
    md.append("\nData:\n\n");
    for (Map<String, Object> job : jobs) {
      Map<String, Object> data = (Map<String, Object>) job.get("data");
      md.append(
          String.format(
              Locale.ROOT,
              "- `%s`: %,d events, %,d bytes; %s.%n",
              job.get("job"),
              ((Number) data.get("events")).longValue(),
              ((Number) data.get("bytes")).longValue(),
              data.get("description")));
    }
  }

  /** The steady-state section: per job, job and twin side by side; targets; every run. */
  @SuppressWarnings("unchecked")
  private static void steady(StringBuilder md, Map<String, Object> steady) {
    Map<String, Object> settings = (Map<String, Object>) steady.get("settings");
    List<Map<String, Object>> jobs = (List<Map<String, Object>>) steady.get("jobs");
    md.append(
        String.format(
            Locale.ROOT,
            "%n## Steady state%n%nUnbounded, per round job then SQL twin, each on a fresh topic"
                + " with a backlog of %s s of the producer's rate; warm-up %s s, then a window of"
                + " at least %s s from one checkpoint completion to another. events/s: offsets"
                + " committed in the window over its length; CPU s/M: this JVM's CPU in the"
                + " window minus the harness's producer and sampler threads; saturated: its lag"
                + " grew over the window, or stayed above an interval's worth of the producer's"
                + " records at every checkpoint in it (it ran as fast as it could).%n%n",
            settings.get("backlogSeconds"),
            settings.get("warmupSeconds"),
            settings.get("windowSeconds")));
    md.append("| job | producer events/s | events/s job | events/s SQL | job/SQL |")
        .append(" CPU s/M job | CPU s/M SQL | CPU job/SQL | saturated job, SQL | every event |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
    for (Map<String, Object> job : jobs) {
      Map<String, Object> sum = (Map<String, Object>) job.get("summary");
      Map<String, Object> rates = (Map<String, Object>) sum.get("eventsPerSecond");
      Map<String, Object> cpu = (Map<String, Object>) sum.get("cpuSecondsPerMillion");
      Map<String, Object> saturated = (Map<String, Object>) sum.get("saturated");
      md.append(
          String.format(
              Locale.ROOT,
              "| `%s` | %,d | %s | %s | %s | %s | %s | %s | %s, %s | %s |%n",
              job.get("job"),
              ((Number) job.get("rate")).longValue(),
              spread(rates.get("job"), 0),
              spread(rates.get("sql"), 0),
              spread(sum.get("jobToSql"), 2),
              spread(cpu.get("job"), 2),
              spread(cpu.get("sql"), 2),
              spread(sum.get("cpuJobToSql"), 2),
              yesNo(saturated.get("job")),
              yesNo(saturated.get("sql")),
              Boolean.TRUE.equals(sum.get("allComplete")) ? "yes, every run" : "**NO**"));
    }
    md.append("\nMedian [min..max] over the rounds; ratios per round. A run that did not")
        .append(" process every event exactly is left out, and its round out of the ratios.\n\n");
    md.append("| job | target | measured | |\n|---|---|---:|---|\n");
    for (Map<String, Object> job : jobs) {
      Map<String, Object> sum = (Map<String, Object>) job.get("summary");
      for (Map<String, Object> t : (List<Map<String, Object>>) sum.get("targets")) {
        md.append(
            String.format(
                Locale.ROOT,
                "| `%s` | %s | %s | %s |%n",
                job.get("job"),
                t.get("target"),
                t.get("value"),
                Boolean.TRUE.equals(t.get("met")) ? "met" : "**missed**"));
      }
    }
    md.append("\nEvery steady-state run:\n\n")
        .append("| job | round | run | events/s | produced/s | window s | CPU s/M (broker) |")
        .append(" harness CPU s | lag at start / end / min | saturated |")
        .append(" checkpoints: n, median / max ms | drain s | processed |\n")
        .append("|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|\n");
    for (Map<String, Object> job : jobs) {
      for (Map<String, Object> run : (List<Map<String, Object>>) job.get("runs")) {
        Map<String, Object> lag = (Map<String, Object>) run.get("lag");
        Map<String, Object> cp = (Map<String, Object>) run.get("checkpoints");
        md.append(
            String.format(
                Locale.ROOT,
                "| `%s` | %s | %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s%s |%n",
                job.get("job"),
                run.get("round"),
                run.get("kind"),
                number(run.get("eventsPerSecond"), 0),
                number(run.get("producedPerSecond"), 0),
                number(run.get("windowSeconds"), 1),
                number(run.get("cpuSecondsPerMillion"), 2),
                number(run.get("brokerCpuSecondsPerMillion"), 2),
                number(run.get("harnessCpuSeconds"), 1),
                lag == null
                    ? "-"
                    : lag.get("atStart") + " / " + lag.get("atEnd") + " / " + lag.get("min"),
                run.containsKey("saturated") ? yesNo(run.get("saturated")) : "-",
                cp == null
                    ? "-"
                    : cp.get("count")
                        + ", "
                        + number(cp.get("medianMs"), 0)
                        + " / "
                        + number(cp.get("maxMs"), 0),
                number(run.get("drainSeconds"), 1),
                Boolean.TRUE.equals(run.get("complete")) ? "all: " : "**INCOMPLETE**: ",
                run.containsKey("error") ? run.get("error") : run.get("processed")));
      }
    }
    md.append("\nData:\n\n");
    for (Map<String, Object> job : jobs) {
      md.append(
          String.format(
              Locale.ROOT,
              "- `%s`: backlog %,d events, then %,d/s; %s.%n",
              job.get("job"),
              ((Number) job.get("backlog")).longValue(),
              ((Number) job.get("rate")).longValue(),
              job.get("data")));
    }
  }

  private static String yesNo(Object b) {
    return b == null ? "-" : Boolean.TRUE.equals(b) ? "yes" : "no";
  }

  @SuppressWarnings("unchecked")
  private static String spread(Object o, int decimals) {
    Map<String, Object> m = (Map<String, Object>) o;
    String f = decimals == 0 ? "%,.0f" : "%." + decimals + "f";
    return String.format(
        Locale.ROOT,
        f + " [" + f + ".." + f + "]",
        ((Number) m.get("median")).doubleValue(),
        ((Number) m.get("min")).doubleValue(),
        ((Number) m.get("max")).doubleValue());
  }

  @SuppressWarnings("unchecked")
  private static String median(Object o, int decimals) {
    return number(((Map<String, Object>) o).get("median"), decimals);
  }

  private static String number(Object v, int decimals) {
    if (!(v instanceof Number)) {
      return "-";
    }
    return String.format(Locale.ROOT, "%." + decimals + "f", ((Number) v).doubleValue());
  }

  private static String megabytes(Object v) {
    if (!(v instanceof Number)) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.2f MB", ((Number) v).doubleValue() / 1e6);
  }
}
