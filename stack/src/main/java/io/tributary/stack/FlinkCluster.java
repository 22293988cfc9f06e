package io.tributary.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Flink 1.20.3 session cluster as flink-dist's {@code start-cluster.sh} would run it: a
 * JobManager ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code
 * TaskManagerRunner}), each its own JVM, from Flink's own jars plus the SQL connector bundle in
 * lib/, configured by the shared {@code stack/conf/flink/config.yaml}.
 */
public final class FlinkCluster {
  /** What the cluster's JVMs have on their classpath: flink-dist's lib/, and what is added. */
  public enum Lib {
    /**
     * Flink's runtime jars, its web UI, the Prometheus reporter, the SQL gateway and Hadoop: a
     * Hadoop-enabled installation, as the stack's SQL pipelines (Iceberg's Hadoop catalog) need.
     */
    STACK,
    /**
     * Flink's runtime jars and log4j only, nothing added: the classpath Amazon Managed Service for
     * Apache Flink gives an application, so a job's jar must bring everything else (Hadoop
     * included). The packaging test runs the jobs' cluster jar on it.
     */
    RUNTIME_ONLY;

    /** {@code stack} or {@code runtime-only} (environment variable {@code TRIBUTARY_FLINK_LIB}). */
    public static Lib parse(String value) {
      for (Lib lib : values()) {
        if (lib.toString().equals(value.trim())) {
          return lib;
        }
      }
      throw new IllegalArgumentException(
          "TRIBUTARY_FLINK_LIB="
              + value
              + " is not known: set it to stack (the default) or runtime-only");
    }

    List<Path> jars() {
      return this == STACK ? libJars() : Artifacts.flinkRuntimeClasspath();
    }

    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** The log lines of the cluster's JVMs (environment variable {@code TRIBUTARY_LOG_FORMAT}). */
  public enum LogFormat {
    /** Flink's usual pattern: {@code conf/flink/log4j.properties}. */
    TEXT("log4j.properties"),
    /** One JSON object per line: {@code conf/flink/log4j-json.properties}. */
    JSON("log4j-json.properties");

    final String file;

    LogFormat(String file) {
      this.file = file;
    }

    /** {@code text} or {@code json}. */
    public static LogFormat parse(String value) {
      for (LogFormat f : values()) {
        if (f.toString().equals(value.trim())) {
          return f;
        }
      }
      throw new IllegalArgumentException(
          "TRIBUTARY_LOG_FORMAT=" + value + " is not known: set it to text (the default) or json");
    }

    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Pattern TASK_MANAGERS = Pattern.compile("\"taskmanagers\"\\s*:\\s*(\\d+)");
  private static final Pattern TASK_MANAGER_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final String RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";
  private static final String LIB_FILE = "lib.classpath";

  /**
   * The stack's reporter: Flink's Prometheus reporter on 127.0.0.1 (a name, not a class literal:
   * the stack's own JVM has no Flink on its classpath).
   */
  static final String PROMETHEUS_REPORTER = "io.tributary.stack.LoopbackPrometheusReporter$Factory";

  static final String PROMETHEUS_PORT_KEY = "metrics.reporter.prom.port";

  private FlinkCluster() {}

  /**
   * Writes the configuration for this host: the shared file, then the keys only this stack sets
   * (addresses, ports, folders). Docker sets the same keys through {@code FLINK_PROPERTIES}. {@code
   * lib} goes on every JVM's classpath: written to {@code lib.classpath} beside {@code conf/}, so a
   * TaskManager started later gets the same. With an {@code s3Endpoint} (the stack's S3Mock),
   * {@code s3://} paths (checkpoints, savepoints) go there through Flink's S3 file system plugin,
   * path-style, credentials from the environment.
   */
  public static Path configure(
      Path dir, int restPort, int rpcPort, Lib lib, String s3Endpoint, LogFormat logFormat) {
    Path conf = dir.resolve("conf");
    Map<String, String> local = new LinkedHashMap<>();
    local.put("jobmanager.rpc.address", "127.0.0.1");
    local.put("jobmanager.rpc.port", String.valueOf(rpcPort));
    local.put("jobmanager.bind-host", "127.0.0.1");
    local.put("taskmanager.bind-host", "127.0.0.1");
    local.put("taskmanager.host", "127.0.0.1");
    local.put("rest.address", "127.0.0.1");
    local.put("rest.bind-address", "127.0.0.1");
    local.put("rest.port", String.valueOf(restPort));
    // One host, no network between the JVMs: a TaskManager that died is noticed after two failed
    // heartbeats, 4 s instead of Flink's 20 s, and the job restarts that much sooner. The timeout
    // for one that is alive but slow stays Flink's 50 s.
    local.put("heartbeat.interval", "2 s");
    local.put("blob.server.port", "0");
    local.put("taskmanager.rpc.port", "0");
    local.put("taskmanager.data.port", "0");
    local.put("io.tmp.dirs", dir.resolve("tmp").toString());
    local.put("web.tmpdir", dir.resolve("web").toString());
    local.put("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
    local.put(
        "execution.checkpointing.savepoint-dir", dir.resolve("savepoints").toUri().toString());
    if (lib == Lib.STACK) {
      // The port differs per JVM: each start passes its own (startJobManager, startTaskManager).
      local.put("metrics.reporter.prom.factory.class", PROMETHEUS_REPORTER);
    }
    if (s3Endpoint != null) {
      local.put("s3.endpoint", s3Endpoint);
      local.put("s3.path.style.access", "true");
    }
    try {
      Files.createDirectories(conf);
      Files.createDirectories(dir.resolve("tmp"));
      StringBuilder yaml =
          new StringBuilder(
              Files.readString(
                  Artifacts.conf().resolve("flink/config.yaml"), StandardCharsets.UTF_8));
      yaml.append("\n# Set by io.tributary.stack.FlinkCluster for this host.\n");
      local.forEach((k, v) -> yaml.append(k).append(": ").append(quote(v)).append('\n'));
      Files.writeString(conf.resolve("config.yaml"), yaml.toString(), StandardCharsets.UTF_8);
      Files.writeString(
          dir.resolve(LIB_FILE), Artifacts.classpath(lib.jars()), StandardCharsets.UTF_8);
      Files.copy(
          Artifacts.conf().resolve("flink/" + logFormat.file),
          conf.resolve("log4j.properties"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the Flink configuration in " + conf, e);
    }
    return conf;
  }

  /**
   * Starts the JobManager; returns once its REST API answers. Its Prometheus metrics are on
   * 127.0.0.1:{@code metricsPort} (with the stack's lib).
   */
  public static ServerProcess startJobManager(
      Path dir, Path logFile, int restPort, int metricsPort) {
    Path conf = dir.resolve("conf");
    ServerProcess jm =
        ServerProcess.start(
            "flink-jobmanager",
            command(
                conf,
                logFile,
                "GET_JM_RESOURCE_PARAMS",
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                metricsPort),
            dir,
            logFile,
            clusterEnvironment());
    jm.awaitReady(() -> overview(restPort) != null, START_TIMEOUT, "REST API on port " + restPort);
    return jm;
  }

  /**
   * Starts a TaskManager; returns once the JobManager lists it. A TaskManager that was killed stays
   * listed until its heartbeat times out, so readiness is a TaskManager id not listed before. Its
   * Prometheus metrics are on 127.0.0.1:{@code metricsPort} (with the stack's lib).
   */
  public static ServerProcess startTaskManager(
      Path dir, Path logFile, int restPort, int metricsPort) {
    Path conf = dir.resolve("conf");
    Set<String> before = taskManagerIds(restPort);
    ServerProcess tm =
        ServerProcess.start(
            "flink-taskmanager",
            command(
                conf,
                logFile,
                "GET_TM_RESOURCE_PARAMS",
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                metricsPort),
            dir,
            logFile,
            clusterEnvironment());
    tm.awaitReady(
        () -> !before.containsAll(taskManagerIds(restPort)),
        START_TIMEOUT,
        "registered with the JobManager on port " + restPort);
    return tm;
  }

  /**
   * Flink's command line ({@code flink run|list|stop|cancel ...}) against the cluster whose
   * configuration is in {@code conf}, as flink-dist's {@code bin/flink} runs it.
   */
  public static ProcessBuilder cli(Path conf, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Artifacts.java());
    command.add(Artifacts.CLIENT_JIT);
    command.addAll(Artifacts.flinkJdk17Flags());
    command.add("-Dlog.file=" + conf.getParent().resolve("flink-client.log"));
    command.add("-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
    command.add("-cp");
    command.add(Artifacts.classpath(Artifacts.flinkClasspath()));
    command.add("org.apache.flink.client.cli.CliFrontend");
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("FLINK_CONF_DIR", conf.toString());
    builder.environment().putAll(awsEnvironment());
    return builder;
  }

  /** {@code bin/flink ...}: Flink's command line against the running stack. */
  public static void main(String[] args) throws Exception {
    StackSettings settings = StackSettings.fromEnvironment(System::getenv);
    Path conf = settings.dir().resolve("flink/conf");
    if (!Files.exists(conf.resolve("config.yaml"))) {
      System.err.println("No Flink cluster configured in " + settings.dir() + ": bin/stack start");
      System.exit(1);
    }
    System.exit(cli(conf, Arrays.asList(args)).inheritIO().start().waitFor());
  }

  /** The Flink web UI and REST API. */
  public static String restUrl(int restPort) {
    return "http://127.0.0.1:" + restPort;
  }

  /** TaskManagers registered with the JobManager, or -1 if it does not answer. */
  public static int taskManagers(int restPort) {
    String overview = overview(restPort);
    if (overview == null) {
      return -1;
    }
    Matcher m = TASK_MANAGERS.matcher(overview);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** The ids of the TaskManagers the JobManager lists (empty if it does not answer). */
  public static Set<String> taskManagerIds(int restPort) {
    String body = get(restPort, "/taskmanagers");
    Set<String> ids = new TreeSet<>();
    if (body != null) {
      Matcher m = TASK_MANAGER_ID.matcher(body);
      while (m.find()) {
        ids.add(m.group(1));
      }
    }
    return ids;
  }

  private static String overview(int restPort) {
    return get(restPort, "/overview");
  }

  /** The body of a 200 answer of the REST API to GET {@code path}, else null. */
  public static String get(int restPort, String path) {
    try {
      HttpResponse<String> response =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(1))
              .build()
              .send(
                  HttpRequest.newBuilder(URI.create(restUrl(restPort) + path))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? response.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static List<String> command(
      Path conf, Path logFile, String resources, String main, int metricsPort) {
    String classpath;
    try {
      classpath = Files.readString(conf.getParent().resolve(LIB_FILE), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Run FlinkCluster.configure first", e);
    }
    List<String> memory = resourceParams(conf, classpath, resources);
    List<String> command = new ArrayList<>();
    command.add(Artifacts.java());
    command.addAll(Arrays.asList(memory.get(0).trim().split("\\s+")));
    command.addAll(Artifacts.flinkJdk17Flags());
    command.add("-Dlog.file=" + logFile);
    command.add("-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
    command.add("-Dlog4j2.disable.jmx=true");
    command.add("-cp");
    command.add(classpath);
    command.add(main);
    command.add("--configDir");
    command.add(conf.toString());
    for (String dynamic : memory.get(1).trim().split("\\s+")) {
      if (!dynamic.isEmpty()) {
        command.add(dynamic);
      }
    }
    command.add("-D");
    command.add(PROMETHEUS_PORT_KEY + "=" + metricsPort);
    return command;
  }

  /**
   * lib/: Flink's jars, log4j and Hadoop; no connector. With the SQL bundle in lib/, its Kafka
   * connector (org.apache.flink.*, always loaded parent-first) met the cluster jar's own
   * kafka-clients (child-first) in one job: a LinkageError on ConsumerRecord.
   */
  static List<Path> libJars() {
    List<Path> jars = new ArrayList<>(Artifacts.flinkClasspath());
    // LoopbackPrometheusReporter, and the service file Flink finds its factory by.
    jars.add(Artifacts.stackClasses());
    return jars;
  }

  /**
   * The memory step flink-dist's scripts run first: JVM flags and dynamic properties derived from
   * the configured process sizes.
   */
  private static List<String> resourceParams(Path conf, String classpath, String what) {
    List<String> command =
        List.of(
            Artifacts.java(),
            "-cp",
            classpath,
            "org.apache.flink.runtime.util.bash.BashJavaUtils",
            what,
            "--configDir",
            conf.toString());
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("BashJavaUtils " + what + " failed:\n" + out);
      }
      List<String> results = new ArrayList<>();
      for (String line : out.split("\n")) {
        if (line.startsWith(RESULT_PREFIX)) {
          results.add(line.substring(RESULT_PREFIX.length()));
        }
      }
      if (results.size() < 2) {
        throw new IllegalStateException("BashJavaUtils " + what + " gave no result:\n" + out);
      }
      return results.subList(results.size() - 2, results.size());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    }
  }

  /**
   * The local S3 and Kinesis servers take any credentials, but the AWS SDK's default chain wants
   * some: placeholders, unless the user's environment has its own.
   */
  /** The JobManager's and TaskManagers' environment: AWS placeholders, and flink-dist's plugins. */
  static Map<String, String> clusterEnvironment() {
    Map<String, String> env = awsEnvironment();
    env.put("FLINK_PLUGINS_DIR", Artifacts.flinkPlugins().toString());
    return env;
  }

  static Map<String, String> awsEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    RestCatalog.LOCAL_AWS_ENV.forEach(
        (k, v) -> {
          if (System.getenv(k) == null) {
            env.put(k, v);
          }
        });
    return env;
  }

  private static String quote(String value) {
    return "'" + value.replace("'", "''") + "'";
  }
}
