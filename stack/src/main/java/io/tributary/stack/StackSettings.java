package io.tributary.stack;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Where the stack keeps its state and which ports it uses. The CLI reads them from the environment
 * (defaults below, the servers' usual ports); tests take free ports.
 */
public final class StackSettings {
  /** Environment variable, default. */
  private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("TRIBUTARY_STACK_DIR", "/tmp/tributary-stack");
    DEFAULTS.put("KAFKA_PORT", "9092");
    DEFAULTS.put("KAFKA_CONTROLLER_PORT", "9093");
    DEFAULTS.put("KINESIS_PORT", "4568");
    DEFAULTS.put("KINESIS_TLS_PORT", "4567");
    DEFAULTS.put("S3_PORT", "9090");
    DEFAULTS.put("S3_HTTPS_PORT", "9191");
    DEFAULTS.put("REST_CATALOG_PORT", "8181");
    DEFAULTS.put("FLINK_REST_PORT", "8081");
    DEFAULTS.put("FLINK_RPC_PORT", "6123");
    // Flink's Prometheus reporter, one port per JVM; docker/ serves 9249 in each container.
    DEFAULTS.put("FLINK_JM_METRICS_PORT", "9249");
    DEFAULTS.put("FLINK_TM_METRICS_PORT", "9250");
    // The port docker/ publishes its Prometheus on (9090 is S3's here).
    DEFAULTS.put("PROMETHEUS_PORT", "9091");
  }

  /** The bucket S3Mock creates, and the REST catalog's warehouse in it. */
  public static final String BUCKET = "warehouse";

  public static final String REST_WAREHOUSE = "s3://" + BUCKET + "/rest";

  private final Path dir;
  private final Map<String, Integer> ports;
  private final FlinkCluster.Lib flinkLib;
  private final FlinkCluster.LogFormat logFormat;

  private StackSettings(
      Path dir,
      Map<String, Integer> ports,
      FlinkCluster.Lib flinkLib,
      FlinkCluster.LogFormat logFormat) {
    if (logFormat == FlinkCluster.LogFormat.JSON && flinkLib == FlinkCluster.Lib.RUNTIME_ONLY) {
      // MSF's classpath has no JSON layout (MSF formats its logs itself).
      throw new IllegalArgumentException(
          "TRIBUTARY_LOG_FORMAT=json needs the stack's Flink lib: unset TRIBUTARY_FLINK_LIB, or"
              + " set TRIBUTARY_LOG_FORMAT=text with TRIBUTARY_FLINK_LIB=runtime-only");
    }
    this.dir = dir;
    this.ports = ports;
    this.flinkLib = flinkLib;
    this.logFormat = logFormat;
  }

  /** The CLI's settings: each variable from the environment, or its default. */
  public static StackSettings fromEnvironment(Function<String, String> env) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : DEFAULTS.entrySet()) {
      if (e.getKey().endsWith("_PORT")) {
        String value = env.apply(e.getKey());
        ports.put(e.getKey(), parsePort(e.getKey(), value == null ? e.getValue() : value));
      }
    }
    String dir = env.apply("TRIBUTARY_STACK_DIR");
    String lib = env.apply("TRIBUTARY_FLINK_LIB");
    String logs = env.apply("TRIBUTARY_LOG_FORMAT");
    return new StackSettings(
        Paths.get(dir == null ? DEFAULTS.get("TRIBUTARY_STACK_DIR") : dir),
        ports,
        lib == null ? FlinkCluster.Lib.STACK : FlinkCluster.Lib.parse(lib),
        logs == null ? FlinkCluster.LogFormat.TEXT : FlinkCluster.LogFormat.parse(logs));
  }

  /** Free ports and a folder of the test's own, so tests run beside a user's stack. */
  public static StackSettings forTest(Path dir) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    long count = DEFAULTS.keySet().stream().filter(k -> k.endsWith("_PORT")).count();
    int[] free = Ports.free((int) count);
    int i = 0;
    for (String key : DEFAULTS.keySet()) {
      if (key.endsWith("_PORT")) {
        ports.put(key, free[i++]);
      }
    }
    return new StackSettings(dir, ports, FlinkCluster.Lib.STACK, FlinkCluster.LogFormat.TEXT);
  }

  /** The same, with the Flink cluster's classpath {@code lib}. */
  public StackSettings withFlinkLib(FlinkCluster.Lib lib) {
    return new StackSettings(dir, ports, lib, logFormat);
  }

  /** The same, with the cluster's JVMs logging in {@code format}. */
  public StackSettings withLogFormat(FlinkCluster.LogFormat format) {
    return new StackSettings(dir, ports, flinkLib, format);
  }

  /** The log lines of the cluster's JVMs (environment variable {@code TRIBUTARY_LOG_FORMAT}). */
  public FlinkCluster.LogFormat logFormat() {
    return logFormat;
  }

  /** The Flink cluster's classpath (environment variable {@code TRIBUTARY_FLINK_LIB}). */
  public FlinkCluster.Lib flinkLib() {
    return flinkLib;
  }

  public Path dir() {
    return dir;
  }

  public int port(String name) {
    Integer port = ports.get(name);
    if (port == null) {
      throw new IllegalArgumentException("no port " + name + "; known: " + ports.keySet());
    }
    return port;
  }

  public String kafkaBootstrap() {
    return "127.0.0.1:" + port("KAFKA_PORT");
  }

  public String kinesisEndpoint() {
    return KinesisMock.endpoint(port("KINESIS_PORT"));
  }

  public String s3Endpoint() {
    return S3Mock.endpoint(port("S3_PORT"));
  }

  public String restCatalogUri() {
    return RestCatalog.uri(port("REST_CATALOG_PORT"));
  }

  public String prometheusUrl() {
    return Prometheus.url(port("PROMETHEUS_PORT"));
  }

  public String flinkRestUrl() {
    return FlinkCluster.restUrl(port("FLINK_REST_PORT"));
  }

  /** A local Hadoop-catalog warehouse inside the stack's folder. */
  public String localWarehouse() {
    return dir.resolve("warehouse").toUri().toString();
  }

  /**
   * The environment under which {@code bin/stack} (and {@link #fromEnvironment}) finds this stack:
   * its folder, ports and Flink lib. Lets a test drive its own stack with the CLI.
   */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TRIBUTARY_STACK_DIR", dir.toString());
    ports.forEach((k, v) -> env.put(k, String.valueOf(v)));
    env.put("TRIBUTARY_FLINK_LIB", flinkLib.toString());
    env.put("TRIBUTARY_LOG_FORMAT", logFormat.toString());
    return env;
  }

  /**
   * The endpoints as variables, the ones the SQL scripts in {@code sql/} use: written to {@code
   * stack.env} by the CLI, and used to render the scripts.
   */
  public Map<String, String> variables() {
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrap());
    vars.put("KINESIS_ENDPOINT", kinesisEndpoint());
    vars.put("AWS_REGION", "us-east-1");
    vars.put("S3_ENDPOINT", s3Endpoint());
    vars.put("REST_CATALOG_URI", restCatalogUri());
    vars.put("REST_WAREHOUSE", REST_WAREHOUSE);
    vars.put("LOCAL_WAREHOUSE", localWarehouse());
    vars.put("FLINK_REST_ADDRESS", "127.0.0.1");
    vars.put("FLINK_REST_PORT", String.valueOf(port("FLINK_REST_PORT")));
    vars.put("CHECKPOINT_DIR", dir.resolve("flink/checkpoints").toUri().toString());
    return vars;
  }

  private static int parsePort(String key, String value) {
    try {
      int port = Integer.parseInt(value.trim());
      if (port > 0 && port < 65536) {
        return port;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new IllegalArgumentException(
        key + "=" + value + " is not a port: set " + key + " to a number from 1 to 65535");
  }
}
