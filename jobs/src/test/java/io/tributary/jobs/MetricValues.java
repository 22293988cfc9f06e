package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.metrics.Metrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;

/** A job's Tributary metrics as an {@link InMemoryReporter} on the MiniCluster holds them. */
public final class MetricValues {
  private final InMemoryReporter reporter;
  private final JobID job;
  private final String scope;

  public MetricValues(InMemoryReporter reporter, JobID job, String jobName) {
    this.reporter = reporter;
    this.job = job;
    this.scope = "." + Metrics.GROUP + "." + Metrics.JOB_KEY + "." + jobName + ".";
  }

  /** Metrics of the job's group whose identifier ends with {@code suffix}. */
  public List<Metric> find(String suffix) {
    List<Metric> found = new ArrayList<>();
    // by group: two operators of one name (the start guards) collide in getMetricsByIdentifiers
    reporter
        .getMetricsByGroup()
        .forEach(
            (group, metrics) -> {
              if (!job.toString().equals(group.getAllVariables().get("<job_id>"))) {
                return;
              }
              metrics.forEach(
                  (name, m) -> {
                    String id = group.getMetricIdentifier(name);
                    if (id.contains(scope) && id.endsWith(suffix)) {
                      found.add(m);
                    }
                  });
            });
    return found;
  }

  public Optional<Metric> one(String suffix) {
    List<Metric> found = find(suffix);
    assertThat(found.size()).as("metrics named *%s", suffix).isLessThanOrEqualTo(1);
    return found.stream().findFirst();
  }

  public Optional<Long> gauge(String suffix) {
    return one(suffix).map(m -> ((Number) ((Gauge<?>) m).getValue()).longValue());
  }

  /** A counter's (or a meter's) count, summed over subtasks and operators. */
  public long count(String suffix) {
    long sum = 0;
    for (Metric m : find(suffix)) {
      sum += m instanceof Meter ? ((Meter) m).getCount() : ((Counter) m).getCount();
    }
    return sum;
  }
}
