package io.tributary.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * docker/compose.yaml, for users with Docker. No Docker engine runs here, so the file is validated
 * instead of run: Docker Compose itself parses it ({@code docker-compose config}, Debian's 1.29,
 * which needs no engine), every file it and docker/Dockerfile name exists (or is a build output the
 * Maven build produces), and it is the no-Docker stack's twin: the shared Flink configuration, the
 * same ports on 127.0.0.1, the same broker, kinesis-mock and REST catalog settings, the variables
 * the sql/ scripts use.
 */
class DockerComposeTest {
  private static final Path ROOT = Artifacts.repoRoot();
  private static final Path DOCKER = ROOT.resolve("docker");
  private static final Path COMPOSE = DOCKER.resolve("compose.yaml");
  private static final Path SHARED_FLINK_CONFIG = Artifacts.conf().resolve("flink/config.yaml");
  private static final Path SHARED_PROMETHEUS_CONFIG =
      Artifacts.conf().resolve("prometheus/prometheus.yml");

  /** Where the Flink image's entrypoint expects the shared configuration (flink-entrypoint.sh). */
  private static final String CONFIG_MOUNT = "/opt/tributary/conf/config.yaml";

  private static final Set<String> FLINK_SERVICES =
      Set.of("jobmanager", "taskmanager", "sql-client");

  /**
   * Build outputs docker/Dockerfile may copy, though they do not exist when this module's tests run
   * (the modules that make them are built later): each with the pom that makes it and the line of
   * that pom that names it, checked by {@link #knownBuildOutputsAreWhatTheBuildProduces}.
   */
  static final Map<String, String[]> BUILD_OUTPUTS =
      Map.of(
          "sql/target/tributary-sql-bundle.jar",
          new String[] {"sql/pom.xml", "<finalName>tributary-sql-bundle</finalName>"},
          "jobs/target/tributary-jobs-*-cluster.jar",
          new String[] {"jobs/pom.xml", "<shadedClassifierName>cluster</shadedClassifierName>"},
          "flink-runtime/target/hadoop-lib/",
          new String[] {
            "flink-runtime/pom.xml", "<outputDirectory>${project.build.directory}/hadoop-lib"
          },
          "flink-runtime/target/json-log-lib/",
          new String[] {
            "flink-runtime/pom.xml", "<outputDirectory>${project.build.directory}/json-log-lib"
          });

  // ---- Docker Compose's own word ----

  @Test
  void dockerComposeAcceptsTheFile(@TempDir Path dir) throws Exception {
    Compose run = compose(dir, COMPOSE);
    assertThat(run.exit).as("docker-compose config -q said:\n%s", run.output).isZero();
  }

  @Test
  void dockerComposeRejectsABrokenCopy(@TempDir Path dir) throws Exception {
    Path broken = dir.resolve("compose.yaml");
    Files.writeString(
        broken,
        Files.readString(COMPOSE, StandardCharsets.UTF_8)
            .replaceFirst("(?m)^services:", "services:\n  broken:\n    image: x\n    ports: 12"),
        StandardCharsets.UTF_8);
    Compose run = compose(dir, broken);
    assertThat(run.exit).as("exit of docker-compose config on a broken copy").isNotZero();
    assertThat(run.output).contains("services.broken.ports contains an invalid type");
  }

  private static final class Compose {
    final int exit;
    final String output;

    Compose(int exit, String output) {
      this.exit = exit;
      this.output = output;
    }
  }

  /** {@code docker-compose -f FILE config -q}, with Compose installed on first use. */
  private static Compose compose(Path dir, Path file) throws Exception {
    DockerCompose tool = DockerCompose.install(dir, dir.resolve("install.log"));
    List<String> command = new ArrayList<>(tool.command());
    command.addAll(List.of("-f", file.toString(), "config", "-q"));
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    pb.environment().putAll(tool.environment());
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("docker-compose config finished").isTrue();
    return new Compose(p.exitValue(), output);
  }

  // ---- Every file named exists ----

  @Test
  void everyFileTheComposeFileAndDockerfileNameExists() {
    assertThat(missingFiles(compose(), DOCKER, ROOT)).isEmpty();
  }

  @Test
  void theFileCheckCatchesWhatIsMissing() {
    Map<String, Object> compose = compose();
    Map<String, Object> jm = service(compose, "jobmanager");
    List<Object> volumes = new ArrayList<>(list(jm.get("volumes")));
    volumes.add("../stack/conf/flink/no-such-config.yaml:/opt/x.yaml:ro");
    jm.put("volumes", volumes);
    jm.put("env_file", List.of("stack.env", "no-such.env"));
    service(compose, "taskmanager").put("build", Map.of("context", "..", "dockerfile", "nope"));
    List<String> dockerfile = new ArrayList<>(readLines(DOCKER.resolve("Dockerfile")));
    dockerfile.add("COPY docker/no-such-script.sh /opt/tributary/bin/");
    dockerfile.add("COPY local/target/tributary-local.jar /opt/tributary/");
    dockerfile.add("COPY --from=builder /not/checked /x");

    List<String> problems = new ArrayList<>();
    checkCompose(compose, DOCKER, ROOT, problems, df -> dockerfile);

    assertThat(String.join("\n", problems))
        .contains("no-such-config.yaml")
        .contains("no-such.env")
        .contains("nope")
        .contains("docker/no-such-script.sh")
        .contains("local/target/tributary-local.jar")
        .doesNotContain("/not/checked");
    // What was there before is still fine.
    assertThat(String.join("\n", problems)).doesNotContain("stack/conf/flink/config.yaml");
  }

  @Test
  void knownBuildOutputsAreWhatTheBuildProduces() {
    BUILD_OUTPUTS.forEach(
        (output, pom) ->
            assertThat(read(ROOT.resolve(pom[0])))
                .as("%s makes %s", pom[0], output)
                .contains(pom[1]));
  }

  @Test
  void hadoopLibIsExactlyTheProvidedHadoopSetOfFlinkRuntime() throws Exception {
    Document pom =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(ROOT.resolve("flink-runtime/pom.xml").toFile());
    Set<String> providedNonFlink = new TreeSet<>();
    NodeList deps = pom.getElementsByTagName("dependency");
    for (int i = 0; i < deps.getLength(); i++) {
      Element d = (Element) deps.item(i);
      // Flink's own jars and the JSON log layout (bin/stack's TRIBUTARY_LOG_FORMAT=json only) are
      // provided too; everything else provided is Hadoop's.
      if ("provided".equals(text(d, "scope"))
          && !"org.apache.flink".equals(text(d, "groupId"))
          && !"log4j-layout-template-json".equals(text(d, "artifactId"))) {
        providedNonFlink.add(text(d, "artifactId"));
      }
    }
    String copied = null;
    NodeList executions = pom.getElementsByTagName("execution");
    for (int i = 0; i < executions.getLength(); i++) {
      Element e = (Element) executions.item(i);
      if ("hadoop-lib".equals(text(e, "id"))) {
        copied = text(e, "includeArtifactIds");
      }
    }
    assertThat(copied).as("flink-runtime/pom.xml has a hadoop-lib execution").isNotNull();
    assertThat(new TreeSet<>(List.of(copied.trim().split("\\s*,\\s*"))))
        .contains("hadoop-common")
        .isEqualTo(providedNonFlink);
  }

  // ---- The shared Flink configuration ----

  @Test
  void flinkServicesUseTheSharedConfigurationWithOnlyDockerKeysOnTop() {
    Map<String, Object> compose = compose();
    assertThat(services(compose).keySet()).containsAll(FLINK_SERVICES);
    Set<String> sharedKeys = loadYaml(read(SHARED_FLINK_CONFIG)).keySet();
    Map<String, String> properties = null;
    for (String name : FLINK_SERVICES) {
      Map<String, Object> s = service(compose, name);
      assertThat(map(s.get("build")).get("dockerfile")).isEqualTo("docker/Dockerfile");
      assertThat(bindMounts(s, DOCKER))
          .as("%s mounts the shared stack/conf/flink/config.yaml", name)
          .containsEntry(CONFIG_MOUNT, SHARED_FLINK_CONFIG);
      assertThat(list(s.get("volumes")))
          .as("%s mounts it read-only", name)
          .anySatisfy(v -> assertThat(String.valueOf(v)).endsWith(":" + CONFIG_MOUNT + ":ro"));
      Map<String, String> p = flinkProperties(s);
      if (properties != null) {
        assertThat(p).as("%s's FLINK_PROPERTIES", name).isEqualTo(properties);
      }
      properties = p;
    }
    assertThat(properties.keySet())
        .as("FLINK_PROPERTIES overrides nothing the shared config.yaml sets")
        .doesNotContainAnyElementsOf(sharedKeys);
    assertThat(properties)
        .containsEntry("jobmanager.rpc.address", "jobmanager")
        .containsEntry("rest.address", "jobmanager")
        .containsEntry("rest.port", String.valueOf(defaults().port("FLINK_REST_PORT")))
        .containsEntry(
            "metrics.reporter.prom.factory.class",
            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
        .containsKeys(
            "execution.checkpointing.dir",
            "execution.checkpointing.savepoint-dir",
            "metrics.reporter.prom.port");
    // Checkpoints are files: JobManager and TaskManagers must see the same folder.
    for (String key :
        List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir")) {
      for (String name : List.of("jobmanager", "taskmanager")) {
        assertThat(onNamedVolume(service(compose, name), properties.get(key)))
            .as("%s = %s is on a named volume of %s", key, properties.get(key), name)
            .isTrue();
      }
    }
    // The image's entrypoint copies the mount into place (the official one rewrites the file).
    assertThat(read(DOCKER.resolve("flink-entrypoint.sh")))
        .contains(CONFIG_MOUNT)
        .contains("$FLINK_HOME/conf/config.yaml")
        .contains("next=${TRIBUTARY_NEXT_ENTRYPOINT:-/docker-entrypoint.sh}")
        .contains("exec \"$next\" \"$@\"");
    // JSON logs (DockerEntrypointTest runs the script): the JobManager and TaskManagers mount the
    // shared JSON console configuration where the entrypoint looks, and take the variable.
    for (String name : List.of("jobmanager", "taskmanager")) {
      Map<String, Object> s = service(compose, name);
      assertThat(bindMounts(s, DOCKER))
          .as("%s mounts the JSON log configuration", name)
          .containsEntry(
              "/opt/tributary/conf/log4j-console-json.properties",
              Artifacts.conf().resolve("flink/log4j-console-json.properties"));
      assertThat(map(s.get("environment")))
          .as("%s's environment", name)
          .containsEntry("TRIBUTARY_LOG_FORMAT", "${TRIBUTARY_LOG_FORMAT:-text}");
    }
    try (Stream<Path> files = Files.walk(DOCKER)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .as("no fork of the shared Flink configuration under docker/")
          .doesNotContain("config.yaml", "flink-conf.yaml");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void prometheusScrapesTheJobManagerAndEveryTaskManager() {
    Map<String, Object> compose = compose();
    String port = flinkProperties(service(compose, "jobmanager")).get("metrics.reporter.prom.port");
    assertThat(bindMounts(service(compose, "prometheus"), DOCKER))
        .containsEntry("/etc/prometheus/prometheus.yml", SHARED_PROMETHEUS_CONFIG);
    Set<String> targets = new TreeSet<>();
    for (Object job : list(loadYaml(read(SHARED_PROMETHEUS_CONFIG)).get("scrape_configs"))) {
      for (Object sd : list(map(job).get("dns_sd_configs"))) {
        for (Object name : list(map(sd).get("names"))) {
          targets.add(name + ":" + map(sd).get("port"));
        }
      }
    }
    assertThat(targets).containsExactly("jobmanager:" + port, "taskmanager:" + port);
  }

  // ---- Ports and health ----

  @Test
  void everyPublishedPortIsOnLoopbackAtTheNoDockerStacksPort() {
    Map<String, Object> compose = compose();
    List<String> published = new ArrayList<>();
    services(compose)
        .forEach(
            (name, s) -> {
              for (Object port : list(map(s).get("ports"))) {
                String hostIp;
                String hostPort;
                if (port instanceof Map) {
                  hostIp = String.valueOf(map(port).get("host_ip"));
                  hostPort = String.valueOf(map(port).get("published"));
                } else {
                  String[] parts = String.valueOf(port).split(":");
                  assertThat(parts)
                      .as("%s publishes %s with a host address", name, port)
                      .hasSize(3);
                  hostIp = parts[0];
                  hostPort = parts[1];
                }
                assertThat(hostIp).as("%s publishes %s", name, port).isEqualTo("127.0.0.1");
                published.add(name + ":" + hostPort);
              }
            });
    StackSettings d = defaults();
    assertThat(published)
        .contains(
            "kafka:" + d.port("KAFKA_PORT"),
            "kinesis:" + d.port("KINESIS_PORT"),
            "kinesis:" + d.port("KINESIS_TLS_PORT"),
            "minio:" + d.port("S3_PORT"),
            "rest-catalog:" + d.port("REST_CATALOG_PORT"),
            "jobmanager:" + d.port("FLINK_REST_PORT"),
            "prometheus:" + d.port("PROMETHEUS_PORT"))
        .doesNotHaveDuplicates();
  }

  @Test
  void everyLongRunningServiceHasAHealthCheck() {
    Map<String, Object> compose = compose();
    Set<String> oneShot = oneShotServices(compose);
    assertThat(oneShot).containsExactlyInAnyOrder("minio-init", "sql-client");
    services(compose)
        .forEach(
            (name, s) -> {
              Map<String, Object> service = map(s);
              if (oneShot.contains(name)) {
                assertThat(String.valueOf(service.getOrDefault("restart", "no")))
                    .as("%s runs once: a restart policy would run it again and again", name)
                    .isEqualTo("no");
                return;
              }
              Map<String, Object> health = map(service.get("healthcheck"));
              assertThat(health).as("%s has a healthcheck", name).isNotEmpty();
              assertThat(health.get("disable")).as("%s's healthcheck", name).isNotEqualTo(true);
              assertThat(list(health.get("test")))
                  .as("%s's healthcheck test", name)
                  .isNotEmpty()
                  .first()
                  .isIn("CMD", "CMD-SHELL");
            });
    // What waits on a long-running service waits for it to be healthy, not just started.
    services(compose)
        .forEach(
            (name, s) ->
                map(map(s).get("depends_on"))
                    .forEach(
                        (dependency, condition) ->
                            assertThat(map(condition).get("condition"))
                                .as("%s depends on %s", name, dependency)
                                .isEqualTo(
                                    oneShot.contains(dependency)
                                        ? "service_completed_successfully"
                                        : "service_healthy")));
  }

  // ---- The no-Docker stack's settings ----

  @Test
  void brokerHasTheNoDockerStacksSettings() {
    Map<String, String> env = environment(service(compose(), "kafka"));
    Map<String, String> stack = Kafka.serverProperties(Path.of("/unused"), 9092, 9093);
    // Addresses, listener names and folders are Docker's own; every other setting must match.
    Set<String> dockerOwn =
        Set.of(
            "listeners",
            "advertised.listeners",
            "listener.security.protocol.map",
            "inter.broker.listener.name",
            "controller.quorum.voters",
            "log.dirs");
    stack.forEach(
        (key, value) -> {
          if (!dockerOwn.contains(key)) {
            assertThat(env).as("broker setting %s", key).containsEntry(kafkaEnvName(key), value);
          }
        });
    assertThat(env.get("KAFKA_TRANSACTION_MAX_TIMEOUT_MS")).isEqualTo("3600000");
    assertThat(env.get("KAFKA_ADVERTISED_LISTENERS"))
        .contains("//" + stackEnv().get("KAFKA_BOOTSTRAP_SERVERS"))
        .contains("//127.0.0.1:" + defaults().port("KAFKA_PORT"));
  }

  @Test
  void kinesisMockHasTheNoDockerStacksSettings() {
    StackSettings d = defaults();
    assertThat(environment(service(compose(), "kinesis")))
        .isEqualTo(KinesisMock.environment(d.port("KINESIS_PORT"), d.port("KINESIS_TLS_PORT")));
    assertThat(String.valueOf(service(compose(), "kinesis").get("image")))
        .as("the kinesis-mock release of npm kinesis-local, which bin/stack runs")
        .endsWith(":" + Artifacts.kinesisLocalVersion());
  }

  @Test
  void restCatalogAndBucketAreTheNoDockerStacks() {
    Map<String, Object> compose = compose();
    Map<String, Object> rest = service(compose, "rest-catalog");
    assertThat(String.valueOf(rest.get("image"))).endsWith(":" + icebergVersion());
    assertThat(environment(rest))
        .isEqualTo(
            RestCatalog.catalogEnvironment(
                Path.of("/home/iceberg/catalog.db"),
                defaults().port("REST_CATALOG_PORT"),
                StackSettings.REST_WAREHOUSE,
                stackEnv().get("S3_ENDPOINT")));
    assertThat(list(rest.get("volumes")))
        .as("the catalog's SQLite file is on a volume")
        .anySatisfy(v -> assertThat(String.valueOf(v)).endsWith(":/home/iceberg"));
    assertThat(String.valueOf(list(service(compose, "minio-init").get("command"))))
        .contains("mb --ignore-existing tributary/" + StackSettings.BUCKET);
  }

  @Test
  void stackEnvHasTheNoDockerStacksVariablesForContainers() {
    Map<String, String> env = stackEnv();
    Set<String> names = new TreeSet<>(defaults().variables().keySet());
    names.addAll(SqlScripts.DEFAULTS.keySet());
    assertThat(env).containsKeys(names.toArray(new String[0]));
    assertThat(env)
        .containsEntry("REST_WAREHOUSE", StackSettings.REST_WAREHOUSE)
        .containsEntry("ICEBERG_DATABASE", "demo")
        .containsEntry("KAFKA_BOUNDED_MODE", "unbounded");
    // Every variable of the sql/ scripts but Glue's (no Glue in a container).
    assertThat(env.keySet())
        .containsAll(
            scriptVariables().stream()
                .filter(v -> !v.equals("GLUE_WAREHOUSE"))
                .collect(Collectors.toList()));
    // Endpoints name services of the compose file, at the ports those services listen on.
    Set<String> services = services(compose()).keySet();
    for (String key :
        List.of("KAFKA_BOOTSTRAP_SERVERS", "KINESIS_ENDPOINT", "S3_ENDPOINT", "REST_CATALOG_URI")) {
      URI uri = URI.create(env.get(key).contains("://") ? env.get(key) : "x://" + env.get(key));
      assertThat(services).as("%s=%s names a service", key, env.get(key)).contains(uri.getHost());
    }
    assertThat(services).contains(env.get("FLINK_REST_ADDRESS"));
    // The local warehouse is one folder for the JobManager, TaskManagers and SQL client.
    for (String name : FLINK_SERVICES) {
      assertThat(onNamedVolume(service(compose(), name), env.get("LOCAL_WAREHOUSE")))
          .as("LOCAL_WAREHOUSE on a named volume of %s", name)
          .isTrue();
    }
    // MinIO's root user is what the AWS SDK clients sign with.
    assertThat(env.get("AWS_ACCESS_KEY_ID")).isEqualTo(env.get("MINIO_ROOT_USER"));
    assertThat(env.get("AWS_SECRET_ACCESS_KEY")).isEqualTo(env.get("MINIO_ROOT_PASSWORD"));
    assertThat(env.get("MINIO_ROOT_PASSWORD"))
        .as("MinIO wants 8 characters or more")
        .hasSizeGreaterThanOrEqualTo(8);
    // Every service gets it.
    services(compose())
        .forEach(
            (name, s) -> {
              if (!Set.of("kafka", "kinesis", "prometheus", "grafana").contains(name)) {
                assertThat(list(map(s).get("env_file")))
                    .as("%s env_file", name)
                    .contains("stack.env");
              }
            });
  }

  // ---- The checker ----

  /** Problems with the files the compose file names: empty when all is well. */
  static List<String> missingFiles(Map<String, Object> compose, Path composeDir, Path root) {
    List<String> problems = new ArrayList<>();
    checkCompose(compose, composeDir, root, problems, DockerComposeTest::readLines);
    return problems;
  }

  static void checkCompose(
      Map<String, Object> compose,
      Path composeDir,
      Path root,
      List<String> problems,
      Function<Path, List<String>> dockerfiles) {
    Set<String> namedVolumes = map(compose.get("volumes")).keySet();
    services(compose)
        .forEach(
            (name, s) -> {
              Map<String, Object> service = map(s);
              for (Object envFile : list(service.get("env_file"))) {
                requireFile(
                    name + " env_file", composeDir.resolve(envFile.toString()), root, problems);
              }
              for (Object volume : list(service.get("volumes"))) {
                String source = volumeSource(volume);
                if (isBindMount(source)) {
                  requireFile(name + " volume", composeDir.resolve(source), root, problems);
                } else if (!namedVolumes.contains(source)) {
                  problems.add(name + " volume: '" + source + "' is not declared under volumes:");
                }
              }
              Object build = service.get("build");
              if (build != null) {
                Map<String, Object> b =
                    build instanceof Map ? map(build) : Map.of("context", build.toString());
                Path context = composeDir.resolve(String.valueOf(b.get("context"))).normalize();
                if (!Files.isDirectory(context)) {
                  problems.add(name + " build context " + context + " is not a folder");
                  return;
                }
                Path dockerfile =
                    context.resolve(String.valueOf(b.getOrDefault("dockerfile", "Dockerfile")));
                if (requireFile(name + " dockerfile", dockerfile, root, problems)) {
                  checkDockerfile(
                      dockerfiles.apply(dockerfile), context, dockerignore(dockerfile), problems);
                }
              }
            });
  }

  /** Every COPY/ADD source exists in the context, or is a known build output. */
  static void checkDockerfile(
      List<String> lines, Path context, List<String> ignore, List<String> problems) {
    for (String instruction : instructions(lines)) {
      String[] words = instruction.trim().split("\\s+");
      String op = words[0].toUpperCase(Locale.ROOT);
      if (!op.equals("COPY") && !op.equals("ADD")) {
        continue;
      }
      List<String> args = new ArrayList<>();
      boolean otherStage = false;
      for (int i = 1; i < words.length; i++) {
        if (words[i].startsWith("--from=")) {
          otherStage = true;
        } else if (!words[i].startsWith("--")) {
          args.add(words[i]);
        }
      }
      if (otherStage || args.size() < 2) {
        continue;
      }
      for (String source : args.subList(0, args.size() - 1)) {
        if (source.matches("^[a-z]+://.*")) {
          problems.add("Dockerfile " + op + " " + source + ": no downloads at build time");
        } else if (source.contains("/target/") || source.startsWith("target/")) {
          if (!BUILD_OUTPUTS.containsKey(source)) {
            problems.add(
                "Dockerfile copies "
                    + source
                    + ", which is not a known build output "
                    + BUILD_OUTPUTS.keySet());
          }
        } else if (!exists(context, source)) {
          problems.add("Dockerfile copies " + source + ", which does not exist in " + context);
        }
        if (!ignore.isEmpty() && !ignore.contains("!" + source)) {
          problems.add("Dockerfile copies " + source + ", which its .dockerignore leaves out");
        }
      }
    }
  }

  /** The Dockerfile-specific ignore file BuildKit reads, else the context's; lines as written. */
  private static List<String> dockerignore(Path dockerfile) {
    Path own = dockerfile.resolveSibling(dockerfile.getFileName() + ".dockerignore");
    if (!Files.exists(own)) {
      return List.of();
    }
    return readLines(own).stream()
        .map(String::trim)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .collect(Collectors.toList());
  }

  /** Instructions, continuation lines joined, comments dropped. */
  private static List<String> instructions(List<String> lines) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : lines) {
      String t = line.trim();
      if (t.startsWith("#") || (t.isEmpty() && current.length() == 0)) {
        continue;
      }
      if (t.endsWith("\\")) {
        current.append(t, 0, t.length() - 1).append(' ');
      } else {
        current.append(t);
        out.add(current.toString());
        current.setLength(0);
      }
    }
    return out;
  }

  private static boolean exists(Path context, String source) {
    if (!source.contains("*") && !source.contains("?")) {
      return Files.exists(context.resolve(source));
    }
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + source);
    try (Stream<Path> files = Files.walk(context.resolve(source).getParent())) {
      return files.anyMatch(f -> matcher.matches(context.relativize(f)));
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean requireFile(String what, Path path, Path root, List<String> problems) {
    Path p = path.normalize();
    if (!p.startsWith(root)) {
      problems.add(what + " " + p + " is outside the repository");
      return false;
    }
    if (!Files.exists(p)) {
      problems.add(what + " " + root.relativize(p) + " does not exist");
      return false;
    }
    return true;
  }

  // ---- Reading the compose file ----

  private static String volumeSource(Object volume) {
    if (volume instanceof Map) {
      return String.valueOf(map(volume).get("source"));
    }
    return volume.toString().split(":")[0];
  }

  private static boolean isBindMount(String source) {
    return source.startsWith(".") || source.startsWith("/") || source.startsWith("~");
  }

  /** Container path to host path, for the bind mounts of a service. */
  private static Map<String, Path> bindMounts(Map<String, Object> service, Path composeDir) {
    Map<String, Path> mounts = new LinkedHashMap<>();
    for (Object volume : list(service.get("volumes"))) {
      String[] parts = volume.toString().split(":");
      if (isBindMount(parts[0])) {
        mounts.put(parts[1], composeDir.resolve(parts[0]).normalize());
      }
    }
    return mounts;
  }

  /** Whether a file:// location lies on a named volume of the service. */
  private static boolean onNamedVolume(Map<String, Object> service, String location) {
    String path = URI.create(location).getPath();
    for (Object volume : list(service.get("volumes"))) {
      String[] parts = volume.toString().split(":");
      if (!isBindMount(parts[0]) && (path + "/").startsWith(parts[1] + "/")) {
        return true;
      }
    }
    return false;
  }

  /** The one set of services that run once: on demand (a profile), or awaited to completion. */
  private static Set<String> oneShotServices(Map<String, Object> compose) {
    Set<String> oneShot = new TreeSet<>();
    services(compose)
        .forEach(
            (name, s) -> {
              if (!list(map(s).get("profiles")).isEmpty()) {
                oneShot.add(name);
              }
              map(map(s).get("depends_on"))
                  .forEach(
                      (dependency, condition) -> {
                        if ("service_completed_successfully"
                            .equals(map(condition).get("condition"))) {
                          oneShot.add(dependency);
                        }
                      });
            });
    return oneShot;
  }

  private static Map<String, String> flinkProperties(Map<String, Object> service) {
    String text = environment(service).get("FLINK_PROPERTIES");
    assertThat(text).as("FLINK_PROPERTIES").isNotBlank();
    Map<String, String> properties = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      // The official entrypoint deletes every space of a line, then splits at the first colon:
      // a value with a space, or a comment line, would arrive mangled.
      Matcher m = Pattern.compile("([a-z0-9.\\-]+): (\\S+)").matcher(line);
      assertThat(m.matches()).as("FLINK_PROPERTIES line '%s' is `key: value`", line).isTrue();
      properties.put(m.group(1), m.group(2));
    }
    return properties;
  }

  private static Map<String, String> environment(Map<String, Object> service) {
    Object env = service.get("environment");
    Map<String, String> out = new LinkedHashMap<>();
    if (env instanceof Map) {
      map(env).forEach((k, v) -> out.put(k, String.valueOf(v)));
    } else {
      for (Object e : list(env)) {
        String[] kv = e.toString().split("=", 2);
        out.put(kv[0], kv.length > 1 ? kv[1] : "");
      }
    }
    return out;
  }

  /**
   * KAFKA_ + the property, '.' as '_', '_' as '__', '-' as '___' (the apache/kafka image's rule).
   */
  private static String kafkaEnvName(String property) {
    StringBuilder name = new StringBuilder("KAFKA_");
    for (char c : property.toCharArray()) {
      name.append(c == '.' ? "_" : c == '_' ? "__" : c == '-' ? "___" : String.valueOf(c));
    }
    return name.toString().toUpperCase(Locale.ROOT);
  }

  private static Map<String, String> stackEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : readLines(DOCKER.resolve("stack.env"))) {
      int eq = line.indexOf('=');
      if (!line.startsWith("#") && eq > 0) {
        env.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return env;
  }

  private static Set<String> scriptVariables() {
    Set<String> names = new LinkedHashSet<>();
    Pattern variable = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)}");
    try (Stream<Path> files = Files.walk(ROOT.resolve("sql"))) {
      for (Path f :
          files
              .filter(f -> f.toString().endsWith(".sql") && !f.toString().contains("/target/"))
              .collect(Collectors.toList())) {
        Matcher m = variable.matcher(read(f));
        while (m.find()) {
          names.add(m.group(1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(names).as("the sql/ scripts' variables").contains("KAFKA_BOOTSTRAP_SERVERS");
    return names;
  }

  /** The REST catalog server's version: the image must run the server the tests start. */
  private static String icebergVersion() {
    Matcher m =
        Pattern.compile("<iceberg.rest-server.version>([^<]+)</iceberg.rest-server.version>")
            .matcher(read(ROOT.resolve("pom.xml")));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static StackSettings defaults() {
    return StackSettings.fromEnvironment(name -> null);
  }

  private static Map<String, Object> compose() {
    return loadYaml(read(COMPOSE));
  }

  private static Map<String, Object> loadYaml(String text) {
    return map(new Load(LoadSettings.builder().build()).loadFromString(text));
  }

  private static Map<String, Object> services(Map<String, Object> compose) {
    return map(compose.get("services"));
  }

  private static Map<String, Object> service(Map<String, Object> compose, String name) {
    Map<String, Object> s = map(services(compose).get(name));
    assertThat(s).as("service %s", name).isNotEmpty();
    return s;
  }

  /** The parsed map itself, so a test can change the model in place; a new one for null. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    if (o == null) {
      return new LinkedHashMap<>();
    }
    assertThat(o).isInstanceOf(Map.class);
    Map<String, Object> m = (Map<String, Object>) o;
    return m;
  }

  private static List<Object> list(Object o) {
    if (o == null) {
      return List.of();
    }
    if (o instanceof List) {
      return new ArrayList<>((List<?>) o);
    }
    return List.of(o);
  }

  private static String text(Element parent, String tag) {
    NodeList nodes = parent.getElementsByTagName(tag);
    return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().trim();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> readLines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
