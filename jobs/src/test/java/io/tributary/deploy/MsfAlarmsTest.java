package io.tributary.deploy;

import static io.tributary.deploy.MsfTemplateTest.list;
import static io.tributary.deploy.MsfTemplateTest.map;
import static io.tributary.deploy.MsfTemplateTest.param;
import static io.tributary.deploy.MsfTemplateTest.props;
import static io.tributary.deploy.MsfTemplateTest.rawPropertyGroups;
import static io.tributary.deploy.MsfTemplateTest.resolve;
import static io.tributary.deploy.MsfTemplateTest.resource;
import static io.tributary.deploy.MsfTemplateTest.template;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.metrics.Metrics;
import io.tributary.stack.PythonTools;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations half of deploy/msf-application.yaml: the SNS topic, the alarms, the dashboard and
 * the autoscaling parameters. Every metric an alarm or the dashboard names is either one MSF
 * publishes itself ({@link #MSF_BUILT_IN}) or one of the job's own ({@link Metrics}, read by
 * reflection), with exactly the dimensions MSF gives it in CloudWatch:
 *
 * <ul>
 *   <li>namespace {@code AWS/KinesisAnalytics};
 *   <li>{@code Application} = the application's name;
 *   <li>for the job's metrics, one dimension per key/value group under {@code kinesisanalytics}
 *       (the group itself is dropped): {@code Job} = {@code job.name}, and {@code Table} = {@code
 *       iceberg.table} or {@code Reason} for the per-table and per-reason ones.
 * </ul>
 *
 * <p>MSF's documentation ("Use custom metrics with Amazon Managed Service for Apache Flink"):
 * metrics of the group {@code kinesisanalytics} go to CloudWatch, attributes of the user scope
 * become dimensions, custom metrics are published at the Application level, and the Task, Operator
 * and Parallelism dimensions are added only by a finer MetricsLevel (which reports the Application
 * level as well). The alarms therefore use the Application-level series, whatever MetricsLevel is.
 */
class MsfAlarmsTest {
  private static final String NAMESPACE = "AWS/KinesisAnalytics";

  /**
   * MSF's own metrics the template may name, all at the Application level (dimension Application
   * only). From MSF's metrics reference ("Metrics and dimensions in Managed Service for Apache
   * Flink").
   */
  static final Set<String> MSF_BUILT_IN =
      Set.of(
          "downtime",
          "uptime",
          "fullRestarts",
          "numberOfFailedCheckpoints",
          "lastCheckpointDuration",
          "lastCheckpointSize",
          "numRecordsIn",
          "numRecordsInPerSecond",
          "numRecordsOut",
          "numRecordsOutPerSecond",
          "millisBehindLatest",
          "KPUs",
          "cpuUtilization",
          "heapMemoryUtilization");

  /** Per-table metrics: dimension {@code Table} besides {@code Job}. */
  private static final Set<String> PER_TABLE =
      Set.of(
          Metrics.FRESHNESS_MILLIS,
          Metrics.MILLIS_SINCE_LAST_COMMIT,
          Metrics.COMMITS,
          Metrics.COMMIT_DURATION_MILLIS,
          Metrics.COMMIT_DATA_FILES,
          Metrics.COMMIT_DELETE_FILES,
          Metrics.COMMIT_BYTES,
          Metrics.COMMIT_RECORDS);

  /** Per-reason metrics: dimension {@code Reason} besides {@code Job}. */
  private static final Set<String> PER_REASON = Set.of(Metrics.DEAD_LETTERS_PER_SECOND);

  /**
   * Per-partition Kafka lag: dimensions {@code Topic} and {@code Partition} besides {@code Job}.
   */
  private static final Set<String> PER_PARTITION = Set.of(Metrics.SOURCE_PARTITION_RECORDS_LAG);

  /** Per-shard Kinesis lag: dimension {@code Shard} besides {@code Job}. */
  private static final Set<String> PER_SHARD = Set.of(Metrics.SOURCE_SHARD_MILLIS_BEHIND_LATEST);

  /** The lag metric the job emits for each source type. */
  private static final Map<String, String> LAG_METRIC =
      Map.of(
          "kinesis", Metrics.SOURCE_MILLIS_BEHIND_LATEST_MAX,
          "kafka", Metrics.SOURCE_RECORDS_LAG_MAX);

  private static final Pattern SEARCH =
      Pattern.compile("SEARCH\\('\\{([^}]*)}\\s*(.*)',\\s*'(\\w+)',\\s*(\\d+)\\)");
  private static final Pattern SEARCH_TERM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final Pattern IDENTIFIER = Pattern.compile("\\b([a-z][A-Za-z0-9_]*)\\b");

  /** One metric as CloudWatch names it: namespace, name, dimensions. */
  static final class MetricRef {
    final String where;
    final String namespace;
    final String name;
    final Map<String, String> dimensions;

    MetricRef(String where, String namespace, String name, Map<String, String> dimensions) {
      this.where = where;
      this.namespace = namespace;
      this.name = name;
      this.dimensions = dimensions;
    }

    @Override
    public String toString() {
      return where + ": " + namespace + " " + name + " " + dimensions;
    }
  }

  // ---------------------------------------------------------------- the template as it is

  @Test
  void jobMetricNamesAreReadFromTheCode() {
    // The reflection below reads what the job registers; a class without them checks nothing.
    assertThat(jobMetrics())
        .contains(
            Metrics.RECORDS_IN,
            Metrics.RECORDS_DEAD_LETTERED,
            Metrics.SOURCE_MILLIS_BEHIND_LATEST_MAX,
            Metrics.MILLIS_SINCE_LAST_COMMIT)
        .doesNotContain(Metrics.GROUP, Metrics.JOB_KEY, Metrics.TABLE_KEY, Metrics.REASON_KEY)
        .allSatisfy(n -> assertThat(n).startsWith("tributary"));
  }

  @Test
  void everyMetricIsOneMsfPublishesWithItsExactDimensions() throws IOException {
    Map<String, Object> t = template();
    List<MetricRef> refs = metricRefs(t);
    // Six alarms and eight panels: the walk found them all.
    assertThat(refs.stream().filter(r -> r.where.startsWith("Dashboard")).count())
        .isGreaterThanOrEqualTo(20);
    // (seven: the lag alarm is one of two, by SourceType)
    assertThat(refs.stream().filter(r -> !r.where.startsWith("Dashboard")).count()).isEqualTo(7);
    assertThat(metricProblems(t)).isEmpty();
  }

  @Test
  void theAlarmsTheOperatorNeedsExistAndNotifyTheTopic() throws IOException {
    Map<String, Object> t = template();
    Map<String, String> metricOfAlarm = new LinkedHashMap<>();
    for (String alarm : MsfTemplateTest.ofType(t, "AWS::CloudWatch::Alarm")) {
      Map<String, Object> r = resource(t, alarm);
      Map<String, Object> p = props(t, alarm);
      assertThat(r.get("Condition"))
          .as(alarm)
          .isIn("CreateApp", "KinesisLagAlarm", "KafkaLagAlarm");
      assertThat(list(p.get("AlarmActions")))
          .as(alarm)
          .containsExactly(Map.of("Ref", "AlarmTopic"));
      assertThat(list(p.get("OKActions"))).as(alarm).containsExactly(Map.of("Ref", "AlarmTopic"));
      assertThat(p.get("ComparisonOperator")).as(alarm).isEqualTo("GreaterThanThreshold");
      assertThat(p.get("AlarmDescription").toString()).as(alarm).contains("docs/operations.md");
      List<MetricRef> refs = alarmMetrics(t, alarm);
      assertThat(refs).as(alarm).hasSize(1);
      metricOfAlarm.put(alarm, refs.get(0).name);
    }
    String source = resolve(t, rawPropertyGroups(t).get("source").get("type"));
    assertThat(metricOfAlarm)
        .containsOnly(
            Map.entry("DowntimeAlarm", "downtime"),
            Map.entry("FailedCheckpointsAlarm", "numberOfFailedCheckpoints"),
            Map.entry("RestartsAlarm", "fullRestarts"),
            Map.entry("SourceLagAlarm", LAG_METRIC.get("kinesis")),
            Map.entry("KafkaLagAlarm", LAG_METRIC.get("kafka")),
            Map.entry("DeadLetterRateAlarm", Metrics.RECORDS_DEAD_LETTERED),
            Map.entry("CommitAgeAlarm", Metrics.MILLIS_SINCE_LAST_COMMIT));

    // One lag alarm per deployment: the one of the source the job reads. The template's own
    // application reads its Kinesis stream, which the default SourceType names.
    assertThat(source).isEqualTo("kinesis");
    assertThat(param(t, "SourceType").get("Default")).isEqualTo("Kinesis");
    assertThat(MsfTemplateTest.strings(param(t, "SourceType").get("AllowedValues")))
        .containsExactlyInAnyOrder("Kinesis", "Kafka");
    assertThat(resource(t, "SourceLagAlarm").get("Condition")).isEqualTo("KinesisLagAlarm");
    assertThat(resource(t, "KafkaLagAlarm").get("Condition")).isEqualTo("KafkaLagAlarm");
    for (String type : List.of("Kinesis", "Kafka")) {
      assertThat(MsfTemplateTest.conditions(t).get(type + "LagAlarm"))
          .isEqualTo(
              Map.of(
                  "Fn::And",
                  List.of(
                      Map.of("Condition", "CreateApp"),
                      Map.of("Fn::Equals", List.of(Map.of("Ref", "SourceType"), type)))));
    }
    assertThat(props(t, "KafkaLagAlarm").get("Threshold"))
        .isEqualTo(Map.of("Ref", "MaxRecordsLag"));
    assertThat(props(t, "DowntimeAlarm").get("Threshold")).isEqualTo(0);
    // Cumulative counters alarm on their increase, never on their level.
    for (String counter :
        List.of("FailedCheckpointsAlarm", "RestartsAlarm", "DeadLetterRateAlarm")) {
      List<Object> metrics = list(props(t, counter).get("Metrics"));
      assertThat(metrics).as(counter).hasSize(2);
      assertThat(map(metrics.get(1)).get("Expression")).as(counter).isEqualTo("RATE(total)");
      assertThat(map(metrics.get(1)).get("ReturnData")).as(counter).isEqualTo(true);
    }
    assertThat(props(t, "FailedCheckpointsAlarm").get("Threshold")).isEqualTo(0);
    assertThat(props(t, "RestartsAlarm").get("Threshold")).isEqualTo(0);
    assertThat(props(t, "SourceLagAlarm").get("Threshold"))
        .isEqualTo(Map.of("Ref", "MaxMillisBehindLatest"));
    assertThat(props(t, "DeadLetterRateAlarm").get("Threshold"))
        .isEqualTo(Map.of("Ref", "MaxDeadLettersPerSecond"));
    assertThat(props(t, "CommitAgeAlarm").get("Threshold"))
        .isEqualTo(Map.of("Ref", "MaxMillisSinceLastCommit"));
    // No figure is itself the symptom for these two: a stopped job, no commits.
    assertThat(props(t, "DowntimeAlarm").get("TreatMissingData")).isEqualTo("breaching");
    assertThat(props(t, "CommitAgeAlarm").get("TreatMissingData")).isEqualTo("breaching");
  }

  @Test
  void theTopicTakesAnOptionalEmailSubscription() throws IOException {
    Map<String, Object> t = template();
    assertThat(resource(t, "AlarmTopic").get("Type")).isEqualTo("AWS::SNS::Topic");
    assertThat(param(t, "AlarmEmail").get("Default")).isEqualTo("");
    Map<String, Object> sub = resource(t, "AlarmEmailSubscription");
    assertThat(sub.get("Type")).isEqualTo("AWS::SNS::Subscription");
    assertThat(sub.get("Condition")).isEqualTo("HasAlarmEmail");
    assertThat(map(sub.get("Properties")))
        .containsEntry("Protocol", "email")
        .containsEntry("TopicArn", Map.of("Ref", "AlarmTopic"))
        .containsEntry("Endpoint", Map.of("Ref", "AlarmEmail"));
    assertThat(MsfTemplateTest.conditions(t).get("HasAlarmEmail"))
        .isEqualTo(
            Map.of(
                "Fn::Not",
                List.of(Map.of("Fn::Equals", List.of(Map.of("Ref", "AlarmEmail"), "")))));
    // Only CloudWatch, for this application's alarms, may publish.
    Map<String, Object> allow =
        map(list(map(props(t, "AlarmTopicPolicy").get("PolicyDocument")).get("Statement")).get(0));
    assertThat(allow.get("Principal")).isEqualTo(Map.of("Service", "cloudwatch.amazonaws.com"));
    assertThat(allow.get("Action")).isEqualTo("sns:Publish");
    assertThat(allow.get("Condition").toString())
        .contains("aws:SourceArn", ":alarm:${ApplicationName}-*");
    for (String alarm : MsfTemplateTest.ofType(t, "AWS::CloudWatch::Alarm")) {
      assertThat(resolve(t, props(t, alarm).get("AlarmName"))).startsWith("tributary-ingest-");
    }
  }

  @Test
  void theDashboardShowsEveryAlarmedMetricAndTheThroughput() throws IOException {
    Map<String, Object> t = template();
    Set<String> shown = new TreeSet<>();
    List<MetricRef> refs = metricRefs(t);
    refs.stream().filter(r -> r.where.startsWith("Dashboard")).forEach(r -> shown.add(r.name));
    refs.stream()
        .filter(r -> !r.where.startsWith("Dashboard"))
        .forEach(r -> assertThat(shown).contains(r.name));
    assertThat(shown)
        .contains(
            "numRecordsInPerSecond",
            Metrics.RECORDS_IN,
            Metrics.FRESHNESS_MILLIS,
            Metrics.DEAD_LETTERS_PER_SECOND,
            Metrics.COMMIT_RECORDS,
            Metrics.SOURCE_PARTITION_RECORDS_LAG,
            Metrics.SOURCE_SHARD_MILLIS_BEHIND_LATEST);
    assertThat(resource(t, "Dashboard").get("Condition")).isEqualTo("CreateApp");
  }

  @Test
  void autoscalingIsThreeParametersOfTheApplication() throws IOException {
    Map<String, Object> t = template();
    assertThat(MsfTemplateTest.strings(param(t, "AutoScaling").get("AllowedValues")))
        .containsExactlyInAnyOrder("true", "false");
    assertThat(param(t, "Parallelism").get("Type")).isEqualTo("Number");
    assertThat(param(t, "ParallelismPerKPU").get("Type")).isEqualTo("Number");
    Map<String, Object> parallelism =
        map(
            map(map(props(t, "Application").get("ApplicationConfiguration"))
                    .get("FlinkApplicationConfiguration"))
                .get("ParallelismConfiguration"));
    assertThat(parallelism)
        .containsEntry("ConfigurationType", "CUSTOM")
        .containsEntry("AutoScalingEnabled", Map.of("Ref", "AutoScaling"))
        .containsEntry("Parallelism", Map.of("Ref", "Parallelism"))
        .containsEntry("ParallelismPerKPU", Map.of("Ref", "ParallelismPerKPU"));
  }

  @Test
  void noRoleStatementHasAStarResource() throws IOException {
    for (Object s : MsfTemplateTest.roleStatements(template())) {
      for (Object r : MsfTemplateTest.branches(map(s).get("Resource"))) {
        assertThat(r).as("Resource of %s", s).isNotEqualTo("*");
      }
    }
  }

  /**
   * AWS's own linter knows every resource type's properties and allowed values (an alarm's
   * TreatMissingData, a topic policy's shape), which this test does not.
   */
  @Test
  void cfnLintPassesTheTemplate(@TempDir Path dir) throws Exception {
    String python = PythonTools.withModule("cfnlint", "cfn-lint", dir, dir.resolve("install.log"));
    // its runner through python, so a script directory missing from PATH does not matter
    Result lint =
        run(
            List.of(
                python,
                "-c",
                "import sys; from cfnlint.runner import main;"
                    + " sys.argv = ['cfn-lint'] + sys.argv[1:]; main()",
                MsfTemplateTest.TEMPLATE.toString()),
            120);
    assertThat(lint.exit).as("cfn-lint:\n%s", lint.out).isZero();
  }

  private static final class Result {
    final int exit;
    final String out;

    Result(int exit, String out) {
      this.exit = exit;
      this.out = out;
    }
  }

  private static Result run(List<String> command, int seconds) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    // read while it runs: a full pipe would block it
    java.util.concurrent.CompletableFuture<String> out =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                return e.toString();
              }
            });
    boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    assertThat(done).as("%s finished within %d s", command, seconds).isTrue();
    return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS));
  }

  // ---------------------------------------------------------------- broken copies are caught

  @Test
  void aMisspelledOrUnknownMetricIsCaught() throws IOException {
    Map<String, Object> t = template();
    props(t, "SourceLagAlarm").put("MetricName", "tributarySourceMillisBehindLatest");
    metric(t, "FailedCheckpointsAlarm").put("MetricName", "numberOfFailedCheckpoint");
    assertThat(String.join("\n", metricProblems(t)))
        .contains("SourceLagAlarm", "tributarySourceMillisBehindLatest ")
        .contains("FailedCheckpointsAlarm", "numberOfFailedCheckpoint ");
  }

  @Test
  void wrongDimensionsAreCaught() throws IOException {
    Map<String, Object> t = template();
    // The job's metric without its Job group, a built-in one with a Job it does not have, and a
    // table that is not the application's.
    list(props(t, "SourceLagAlarm").get("Dimensions")).remove(1);
    list(props(t, "DowntimeAlarm").get("Dimensions")).add(Map.of("Name", "Job", "Value", "ingest"));
    map(list(props(t, "CommitAgeAlarm").get("Dimensions")).get(2)).put("Value", "other");
    list(map(metric(t, "DeadLetterRateAlarm")).get("Dimensions")).remove(0);
    assertThat(String.join("\n", metricProblems(t)))
        .contains("SourceLagAlarm", "DowntimeAlarm", "CommitAgeAlarm", "DeadLetterRateAlarm")
        .contains("Table=other");
  }

  @Test
  void aBrokenDashboardIsCaught() throws IOException {
    Map<String, Object> t = template();
    String body = (String) map(props(t, "Dashboard").get("DashboardBody")).get("Fn::Sub");
    map(props(t, "Dashboard").get("DashboardBody"))
        .put(
            "Fn::Sub",
            body.replace("\"tributaryFreshnessMillis\"", "\"tributaryFreshness\"")
                .replace("RATE(deadTotal)", "RATE(deadTotl)")
                .replace(
                    "{AWS/KinesisAnalytics,Application,Job,Reason}",
                    "{AWS/KinesisAnalytics,Application,Reason}"));
    assertThat(String.join("\n", metricProblems(t)))
        .contains("tributaryFreshness ")
        .contains("deadTotl")
        .contains("SEARCH");
  }

  // ---------------------------------------------------------------- the checks

  /**
   * The job's metric names: every String constant of {@link Metrics} documented as a metric ({@link
   * Metrics.Doc}); the group name and the group keys are not metrics.
   */
  static Set<String> jobMetrics() {
    Set<String> names = new TreeSet<>();
    for (Field f : Metrics.class.getDeclaredFields()) {
      int m = f.getModifiers();
      if (Modifier.isStatic(m) && Modifier.isFinal(m) && f.getType() == String.class) {
        try {
          String value = (String) f.get(null);
          if (f.isAnnotationPresent(Metrics.Doc.class)) {
            names.add(value);
          }
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    return names;
  }

  static List<String> metricProblems(Map<String, Object> t) throws IOException {
    Map<String, Map<String, String>> groups = new LinkedHashMap<>();
    rawPropertyGroups(t)
        .forEach(
            (id, raw) -> {
              Map<String, String> resolved = new LinkedHashMap<>();
              raw.forEach((k, v) -> resolved.put(k, resolve(t, v)));
              groups.put(id, resolved);
            });
    String application = resolve(t, Map.of("Ref", "Application"));
    String job = groups.get("job").get("name");
    String table = groups.get("iceberg").get("table");
    Set<String> own = jobMetrics();
    List<String> problems = new ArrayList<>();
    for (MetricRef r : metricRefs(t)) {
      if (!NAMESPACE.equals(r.namespace)) {
        problems.add(r + ": namespace is not " + NAMESPACE);
      }
      Map<String, String> expected = new LinkedHashMap<>();
      expected.put("Application", application);
      if (MSF_BUILT_IN.contains(r.name)) {
        // Application level: no other dimension.
      } else if (own.contains(r.name)) {
        expected.put("Job", job);
        if (PER_TABLE.contains(r.name)) {
          expected.put(Metrics.TABLE_KEY, table);
        } else if (PER_REASON.contains(r.name)) {
          expected.put(Metrics.REASON_KEY, "*");
        } else if (PER_PARTITION.contains(r.name)) {
          expected.put(Metrics.TOPIC_KEY, "*");
          expected.put(Metrics.PARTITION_KEY, "*");
        } else if (PER_SHARD.contains(r.name)) {
          expected.put(Metrics.SHARD_KEY, "*");
        }
      } else {
        problems.add(
            r
                + ": "
                + r.name
                + " is neither an MSF metric nor one of io.tributary.metrics.Metrics");
        continue;
      }
      if (!expected.equals(r.dimensions)) {
        problems.add(r + ": MSF publishes it with dimensions " + expected);
      }
    }
    problems.addAll(expressionProblems(t));
    return problems;
  }

  /** Every metric the alarms and the dashboard name, resolved as CloudFormation would. */
  static List<MetricRef> metricRefs(Map<String, Object> t) throws IOException {
    List<MetricRef> refs = new ArrayList<>();
    for (String alarm : MsfTemplateTest.ofType(t, "AWS::CloudWatch::Alarm")) {
      refs.addAll(alarmMetrics(t, alarm));
    }
    JsonNode widgets = dashboard(t).get("widgets");
    for (int w = 0; w < widgets.size(); w++) {
      JsonNode widget = widgets.get(w);
      String where = "Dashboard widget '" + widget.at("/properties/title").asText() + "'";
      for (JsonNode row : widget.at("/properties/metrics")) {
        JsonNode first = row.get(0);
        if (first.isObject()) {
          Matcher s = SEARCH.matcher(first.get("expression").asText());
          if (s.find()) {
            String[] schema = s.group(1).split(",");
            Map<String, String> dims = new LinkedHashMap<>();
            Map<String, String> terms = new LinkedHashMap<>();
            Matcher term = SEARCH_TERM.matcher(s.group(2));
            while (term.find()) {
              terms.put(term.group(1), term.group(2));
            }
            for (int i = 1; i < schema.length; i++) {
              // A dimension the search leaves open matches every value: "*".
              dims.put(schema[i].trim(), terms.getOrDefault(schema[i].trim(), "*"));
            }
            refs.add(
                new MetricRef(where + " SEARCH", schema[0].trim(), terms.get("MetricName"), dims));
          }
          continue;
        }
        List<String> parts = new ArrayList<>();
        row.forEach(
            n -> {
              if (n.isTextual()) {
                parts.add(n.asText());
              }
            });
        Map<String, String> dims = new LinkedHashMap<>();
        for (int i = 2; i + 1 < parts.size(); i += 2) {
          dims.put(parts.get(i), parts.get(i + 1));
        }
        refs.add(new MetricRef(where, parts.get(0), parts.get(1), dims));
      }
    }
    return refs;
  }

  static List<MetricRef> alarmMetrics(Map<String, Object> t, String alarm) {
    Map<String, Object> p = props(t, alarm);
    List<MetricRef> refs = new ArrayList<>();
    if (p.containsKey("MetricName")) {
      refs.add(metricRef(t, alarm, p));
    }
    for (Object q : p.containsKey("Metrics") ? list(p.get("Metrics")) : List.of()) {
      Map<String, Object> stat = map(q);
      if (stat.containsKey("MetricStat")) {
        refs.add(metricRef(t, alarm, map(map(stat.get("MetricStat")).get("Metric"))));
      }
    }
    return refs;
  }

  private static MetricRef metricRef(Map<String, Object> t, String alarm, Map<String, Object> m) {
    Map<String, String> dims = new LinkedHashMap<>();
    for (Object d : list(m.getOrDefault("Dimensions", List.of()))) {
      dims.put((String) map(d).get("Name"), resolve(t, map(d).get("Value")));
    }
    return new MetricRef(alarm, (String) m.get("Namespace"), (String) m.get("MetricName"), dims);
  }

  /** Metric math: every name an expression uses is the id of a metric beside it. */
  private static List<String> expressionProblems(Map<String, Object> t) throws IOException {
    List<String> problems = new ArrayList<>();
    for (String alarm : MsfTemplateTest.ofType(t, "AWS::CloudWatch::Alarm")) {
      Map<String, Object> p = props(t, alarm);
      if (!p.containsKey("Metrics")) {
        continue;
      }
      Set<String> ids = new LinkedHashSet<>();
      List<String> expressions = new ArrayList<>();
      for (Object q : list(p.get("Metrics"))) {
        ids.add((String) map(q).get("Id"));
        if (map(q).containsKey("Expression")) {
          expressions.add((String) map(q).get("Expression"));
        }
      }
      expressions.forEach(e -> unknownIds(alarm, e, ids, problems));
    }
    for (JsonNode widget : dashboard(t).get("widgets")) {
      Set<String> ids = new LinkedHashSet<>();
      List<String> expressions = new ArrayList<>();
      for (JsonNode row : widget.at("/properties/metrics")) {
        JsonNode options = row.get(row.size() - 1);
        if (options.has("id")) {
          ids.add(options.get("id").asText());
        }
        if (options.has("expression") && !options.get("expression").asText().startsWith("SEARCH")) {
          expressions.add(options.get("expression").asText());
        } else if (options.has("expression")
            && !SEARCH.matcher(options.get("expression").asText()).find()) {
          problems.add("Dashboard: unreadable SEARCH " + options.get("expression"));
        }
      }
      String where = "Dashboard widget '" + widget.at("/properties/title").asText() + "'";
      expressions.forEach(e -> unknownIds(where, e, ids, problems));
    }
    return problems;
  }

  private static void unknownIds(
      String where, String expression, Set<String> ids, List<String> out) {
    Matcher m = IDENTIFIER.matcher(expression);
    while (m.find()) {
      if (!ids.contains(m.group(1))) {
        out.add(where + ": expression " + expression + " uses '" + m.group(1) + "', no metric id");
      }
    }
  }

  /** The dashboard's body, its ${...} substituted as CloudFormation would. */
  static JsonNode dashboard(Map<String, Object> t) throws IOException {
    return new ObjectMapper().readTree(resolve(t, props(t, "Dashboard").get("DashboardBody")));
  }

  private static Map<String, Object> metric(Map<String, Object> t, String alarm) {
    for (Object q : list(props(t, alarm).get("Metrics"))) {
      if (map(q).containsKey("MetricStat")) {
        return map(map(map(q).get("MetricStat")).get("Metric"));
      }
    }
    throw new AssertionError(alarm + " has no MetricStat");
  }
}
