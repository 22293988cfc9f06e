package io.tributary.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The metrics side of the local stacks, without starting a server: bin/stack's Prometheus
 * configuration is docker/'s with fixed targets, and the Grafana dashboard has the CloudWatch
 * dashboard's panels (deploy/msf-application.yaml), each showing the same metrics of the job.
 */
class MetricsDashboardsTest {
  private static final Path SHARED = Artifacts.conf().resolve("prometheus/prometheus.yml");
  private static final Path GRAFANA = Artifacts.conf().resolve("grafana/tributary.json");
  private static final Path TEMPLATE = Artifacts.repoRoot().resolve("deploy/msf-application.yaml");
  private static final Pattern OWN_METRIC = Pattern.compile("(?<![A-Za-z])tributary[A-Z]\\w+");

  @Test
  void theStacksPrometheusConfigIsTheSharedOneWithLoopbackTargets(@TempDir Path dir)
      throws Exception {
    StackSettings settings = StackSettings.forTest(dir);
    Path written = Prometheus.writeConfig(dir, LocalStack.prometheusTargets(settings));
    Map<String, Object> shared = yaml(SHARED);
    Map<String, Object> mine = yaml(written);
    // the shared global settings, but a scrape every 5 s on one machine
    Map<Object, Object> global = new java.util.LinkedHashMap<>((Map<?, ?>) shared.get("global"));
    global.put("scrape_interval", "5s");
    assertThat(mine.get("global")).isEqualTo(global);
    List<String> names = new ArrayList<>();
    for (Object o : (List<?>) mine.get("scrape_configs")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> job = (Map<String, Object>) o;
      names.add((String) job.get("job_name"));
      assertThat(job.keySet()).containsExactlyInAnyOrder("job_name", "static_configs");
    }
    assertThat(names)
        .isEqualTo(
            ((List<?>) shared.get("scrape_configs"))
                .stream().map(j -> ((Map<?, ?>) j).get("job_name")).collect(Collectors.toList()));
    assertThat(Files.readString(written))
        .contains("- 127.0.0.1:" + settings.port("FLINK_JM_METRICS_PORT"))
        .contains("- 127.0.0.1:" + settings.port("FLINK_TM_METRICS_PORT"));

    // Prometheus' own checker, from the package the stack installs on first use.
    Path promtool =
        Paths.get(Prometheus.install(dir, dir.resolve("install.log")).get(0))
            .resolveSibling("promtool");
    assertThat(promtool).isExecutable();
    Process p =
        new ProcessBuilder(promtool.toString(), "check", "config", written.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
  }

  @Test
  void grafanaShowsTheCloudWatchDashboardsPanelsAndTheirMetrics() throws IOException {
    JsonNode cloudWatch = cloudWatchDashboard();
    JsonNode grafana = new ObjectMapper().readTree(GRAFANA.toFile());
    List<String> cwTitles = new ArrayList<>();
    cloudWatch.get("widgets").forEach(w -> cwTitles.add(w.at("/properties/title").asText()));
    List<String> gfTitles = new ArrayList<>();
    grafana.get("panels").forEach(p -> gfTitles.add(p.get("title").asText()));
    assertThat(gfTitles).isEqualTo(cwTitles).hasSize(8);

    for (int i = 0; i < cwTitles.size(); i++) {
      Set<String> cw = ownMetrics(cloudWatch.get("widgets").get(i).at("/properties/metrics"));
      Set<String> gf = ownMetrics(grafana.get("panels").get(i).get("targets"));
      assertThat(gf).as("panel '%s'", cwTitles.get(i)).containsAll(cw);
    }
    // Every query names the provisioned data source.
    String uid =
        (String)
            ((Map<?, ?>)
                    ((List<?>)
                            yaml(Artifacts.repoRoot().resolve("docker/grafana/datasources.yml"))
                                .get("datasources"))
                        .get(0))
                .get("uid");
    grafana
        .get("panels")
        .forEach(
            p ->
                p.get("targets")
                    .forEach(t -> assertThat(t.at("/datasource/uid").asText()).isEqualTo(uid)));
  }

  /** The template's DashboardBody, its ${...} replaced by a number (valid in both places). */
  private static JsonNode cloudWatchDashboard() throws IOException {
    Map<?, ?> resources = (Map<?, ?>) yaml(TEMPLATE).get("Resources");
    Map<?, ?> dashboard = (Map<?, ?>) ((Map<?, ?>) resources.get("Dashboard")).get("Properties");
    String body = (String) ((Map<?, ?>) dashboard.get("DashboardBody")).get("Fn::Sub");
    return new ObjectMapper().readTree(body.replaceAll("\\$\\{[^}]+}", "0"));
  }

  private static Set<String> ownMetrics(JsonNode node) {
    Set<String> names = new TreeSet<>();
    Matcher m = OWN_METRIC.matcher(node.toString());
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(Path file) throws IOException {
    return (Map<String, Object>)
        new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
  }
}
