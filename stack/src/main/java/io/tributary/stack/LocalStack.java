package io.tributary.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The local stack: every server the suite talks to, as processes on 127.0.0.1, each tracked by a
 * PID file and logging to one folder. {@code bin/stack start|stop|status} runs it for users and
 * benchmarks; integration tests start the same servers through {@link #start}.
 *
 * <pre>{@code
 * try (LocalStack stack = LocalStack.start(StackSettings.forTest(dir), Service.KAFKA, Service.FLINK)) {
 *   ... stack.settings().kafkaBootstrap() ...
 * }
 * }</pre>
 */
public final class LocalStack implements AutoCloseable {
  /** The servers, in start order (the REST catalog needs S3; the TaskManager its JobManager). */
  public enum Service {
    S3,
    REST_CATALOG,
    KAFKA,
    KINESIS,
    FLINK,
    /** Scrapes the Flink cluster's reporters; started with FLINK, after it. */
    PROMETHEUS;

    String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Service of(String id) {
      for (Service s : values()) {
        if (s.id().equals(id)) {
          return s;
        }
      }
      throw new IllegalArgumentException(
          "unknown service '"
              + id
              + "'; known: "
              + Arrays.stream(values()).map(Service::id).collect(Collectors.joining(", ")));
    }
  }

  /** What {@code bin/stack restart} restarts. */
  static final String TASKMANAGER = "taskmanager";

  private final StackSettings settings;
  private final Map<String, ServerProcess> processes = new LinkedHashMap<>();

  private LocalStack(StackSettings settings) {
    this.settings = settings;
  }

  /** Starts {@code services} (and what they need) and waits until each answers. */
  public static LocalStack start(StackSettings settings, Service... services) {
    Set<Service> wanted = EnumSet.noneOf(Service.class);
    wanted.addAll(Arrays.asList(services));
    if (wanted.contains(Service.REST_CATALOG)) {
      wanted.add(Service.S3);
    }
    if (wanted.contains(Service.PROMETHEUS)) {
      wanted.add(Service.FLINK);
    }
    LocalStack stack = new LocalStack(settings);
    try {
      for (Service service : wanted) {
        stack.startService(service);
      }
      stack.writeEnvFile();
      return stack;
    } catch (RuntimeException e) {
      try {
        stack.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  public StackSettings settings() {
    return settings;
  }

  /** The running process called {@code name} (e.g. {@code flink-taskmanager}). */
  public ServerProcess process(String name) {
    ServerProcess p = processes.get(name);
    if (p == null) {
      throw new IllegalArgumentException(name + " is not running; running: " + processes.keySet());
    }
    return p;
  }

  /** Stops one server by its PID, as an outage would (the data folder stays). */
  public void stop(String name) {
    ServerProcess p = processes.remove(name);
    if (p != null) {
      p.stop();
      deletePid(name);
    }
  }

  /** Kills the TaskManager at once, as a machine failure would. */
  public void killTaskManager() {
    ServerProcess tm = processes.remove("flink-taskmanager");
    if (tm != null) {
      tm.kill();
      deletePid("flink-taskmanager");
    }
  }

  /** Starts a TaskManager again (after {@link #killTaskManager()}). */
  public void startTaskManager() {
    Path dir = settings.dir().resolve("flink");
    track(
        FlinkCluster.startTaskManager(
            dir,
            log("flink-taskmanager"),
            settings.port("FLINK_REST_PORT"),
            settings.port("FLINK_TM_METRICS_PORT")));
  }

  /**
   * Tracks the process that {@code name}'s PID file names now, e.g. after {@code bin/stack restart
   * taskmanager} ran in another JVM, so that {@link #close} stops it.
   */
  public ServerProcess reattach(String name) {
    ServerProcess p =
        attach(settings, name)
            .orElseThrow(() -> new IllegalStateException(name + " has no live PID file"));
    processes.put(name, p);
    return p;
  }

  /** Starts one service again (after {@link #stop}). */
  public void startService(Service service) {
    Path dir = settings.dir();
    switch (service) {
      case S3:
        track(
            S3Mock.start(
                dir.resolve("s3"),
                log("s3"),
                settings.port("S3_PORT"),
                settings.port("S3_HTTPS_PORT"),
                List.of(StackSettings.BUCKET)));
        break;
      case REST_CATALOG:
        track(
            RestCatalog.start(
                dir.resolve("rest-catalog"),
                log("rest-catalog"),
                settings.port("REST_CATALOG_PORT"),
                StackSettings.REST_WAREHOUSE,
                settings.s3Endpoint()));
        break;
      case KAFKA:
        track(
            Kafka.start(
                dir.resolve("kafka"),
                log("kafka"),
                settings.port("KAFKA_PORT"),
                settings.port("KAFKA_CONTROLLER_PORT")));
        break;
      case KINESIS:
        track(
            KinesisMock.start(
                dir.resolve("kinesis"),
                log("kinesis"),
                settings.port("KINESIS_PORT"),
                settings.port("KINESIS_TLS_PORT")));
        break;
      case FLINK:
        Path flink = dir.resolve("flink");
        int rest = settings.port("FLINK_REST_PORT");
        FlinkCluster.configure(
            flink,
            rest,
            settings.port("FLINK_RPC_PORT"),
            settings.flinkLib(),
            settings.s3Endpoint(),
            settings.logFormat());
        track(
            FlinkCluster.startJobManager(
                flink, log("flink-jobmanager"), rest, settings.port("FLINK_JM_METRICS_PORT")));
        startTaskManager();
        break;
      case PROMETHEUS:
        track(
            Prometheus.start(
                dir.resolve("prometheus"),
                log("prometheus"),
                settings.port("PROMETHEUS_PORT"),
                prometheusTargets(settings)));
        break;
      default:
        throw new IllegalStateException("unreachable");
    }
  }

  /** The Flink JVMs' reporters, by the shared scrape job that scrapes them. */
  static Map<String, List<String>> prometheusTargets(StackSettings settings) {
    return Map.of(
        Prometheus.JOBMANAGER_JOB,
        List.of("127.0.0.1:" + settings.port("FLINK_JM_METRICS_PORT")),
        Prometheus.TASKMANAGER_JOB,
        List.of("127.0.0.1:" + settings.port("FLINK_TM_METRICS_PORT")));
  }

  /** Stops every server this object started, last started first. */
  @Override
  public void close() {
    List<String> names = new ArrayList<>(processes.keySet());
    java.util.Collections.reverse(names);
    RuntimeException failure = null;
    for (String name : names) {
      try {
        stop(name);
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void track(ServerProcess p) {
    processes.put(p.name(), p);
    try {
      Files.createDirectories(pids());
      Files.writeString(pids().resolve(p.name() + ".pid"), String.valueOf(p.pid()));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the PID file of " + p, e);
    }
  }

  private void deletePid(String name) {
    try {
      Files.deleteIfExists(pids().resolve(name + ".pid"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path pids() {
    return settings.dir().resolve("pids");
  }

  private Path log(String name) {
    return settings.dir().resolve("logs").resolve(name + ".log");
  }

  /** Endpoints for scripts: {@code source stack.env}, and the SQL scripts' variables. */
  private void writeEnvFile() {
    StringBuilder env =
        new StringBuilder("# Written by bin/stack: the running stack's endpoints.\n");
    settings.variables().forEach((k, v) -> env.append(k).append('=').append(v).append('\n'));
    try {
      Files.createDirectories(settings.dir());
      Files.writeString(settings.dir().resolve("stack.env"), env, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- the CLI: bin/stack ----

  public static void main(String[] args) {
    StackSettings settings = StackSettings.fromEnvironment(System::getenv);
    String command = args.length == 0 ? "status" : args[0];
    List<Service> services =
        command.equals("restart")
            ? List.of()
            : Arrays.stream(args).skip(1).map(Service::of).collect(Collectors.toList());
    try {
      switch (command) {
        case "start":
          cliStart(settings, services.isEmpty() ? Arrays.asList(Service.values()) : services);
          break;
        case "stop":
          cliStop(settings);
          break;
        case "status":
          System.exit(cliStatus(settings) ? 0 : 3);
          break;
        case "restart":
          if (args.length != 2 || !args[1].equals(TASKMANAGER)) {
            System.err.println("usage: bin/stack restart " + TASKMANAGER);
            System.exit(2);
          }
          cliRestartTaskManager(settings);
          break;
        default:
          System.err.println(
              "usage: bin/stack start [service...] | stop | status | restart " + TASKMANAGER);
          System.exit(2);
      }
    } catch (RuntimeException e) {
      System.err.println("bin/stack " + command + " failed: " + e.getMessage());
      System.exit(1);
    }
  }

  private static void cliStart(StackSettings settings, List<Service> services) {
    List<String> running = runningNames(settings);
    if (!running.isEmpty()) {
      throw new IllegalStateException(
          "already running: " + running + ". Stop it first: bin/stack stop");
    }
    System.out.println(
        "Starting "
            + services.stream().map(Service::id).collect(Collectors.joining(", "))
            + " in "
            + settings.dir());
    LocalStack stack = start(settings, services.toArray(new Service[0]));
    stack.processes.values().forEach(p -> System.out.println("  up    " + p));
    cliStatus(settings);
  }

  /**
   * Replaces the TaskManager: stops the one its PID file names if it still runs (a lost one is just
   * gone), starts a new one with the same configuration and log, and returns once the JobManager
   * lists it. Jobs waiting for slots then restart from their last checkpoint.
   */
  private static void cliRestartTaskManager(StackSettings settings) {
    String name = "flink-taskmanager";
    Optional<ServerProcess> jm = attach(settings, "flink-jobmanager");
    if (jm.isEmpty()) {
      throw new IllegalStateException(
          "the Flink JobManager is not running in "
              + settings.dir()
              + ": start the cluster with bin/stack start flink");
    }
    LocalStack stack = new LocalStack(settings);
    Optional<ServerProcess> old = attach(settings, name);
    if (old.isPresent()) {
      old.get().stop();
      System.out.println("  stopped " + name + " (pid " + old.get().pid() + ")");
    } else {
      System.out.println("  " + name + " was not running");
    }
    stack.deletePid(name);
    stack.startTaskManager();
    System.out.println("  up    " + stack.process(name));
  }

  private static void cliStop(StackSettings settings) {
    Path pids = settings.dir().resolve("pids");
    List<String> names = runningNamesOrdered(settings);
    java.util.Collections.reverse(names);
    for (String name : names) {
      Optional<ServerProcess> p = attach(settings, name);
      if (p.isPresent()) {
        p.get().stop();
        System.out.println("  stopped " + name + " (pid " + p.get().pid() + ")");
      }
      try {
        Files.deleteIfExists(pids.resolve(name + ".pid"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (names.isEmpty()) {
      System.out.println("Nothing running in " + settings.dir());
    }
  }

  private static boolean cliStatus(StackSettings settings) {
    List<String> names = runningNamesOrdered(settings);
    boolean allUp = !names.isEmpty();
    System.out.println(
        "Stack in " + settings.dir() + " (logs in " + settings.dir().resolve("logs") + "):");
    for (String name : names) {
      boolean up = attach(settings, name).isPresent();
      allUp &= up;
      System.out.printf(
          "  %-18s %s%n",
          name,
          up
              ? "up   " + endpoint(settings, name)
              : "DOWN (see its log"
                  + (name.equals("flink-taskmanager") ? "; bin/stack restart " + TASKMANAGER : "")
                  + ")");
    }
    if (names.isEmpty()) {
      System.out.println("  nothing running: bin/stack start");
    }
    return allUp;
  }

  private static String endpoint(StackSettings s, String name) {
    switch (name) {
      case "kafka":
        return s.kafkaBootstrap();
      case "kinesis":
        return s.kinesisEndpoint();
      case "s3":
        return s.s3Endpoint() + " (bucket " + StackSettings.BUCKET + ")";
      case "rest-catalog":
        return s.restCatalogUri() + " (warehouse " + StackSettings.REST_WAREHOUSE + ")";
      case "flink-jobmanager":
        return s.flinkLib() == FlinkCluster.Lib.STACK
            ? "Flink web UI " + s.flinkRestUrl()
            : "Flink REST API " + s.flinkRestUrl() + " (lib " + s.flinkLib() + ", no web UI)";
      case "flink-taskmanager":
        return s.flinkLib() == FlinkCluster.Lib.STACK
            ? "metrics http://127.0.0.1:" + s.port("FLINK_TM_METRICS_PORT") + "/metrics"
            : "";
      case "prometheus":
        return s.prometheusUrl() + "/graph";
      default:
        return "";
    }
  }

  private static Optional<ServerProcess> attach(StackSettings settings, String name) {
    try {
      long pid =
          Long.parseLong(
              Files.readString(settings.dir().resolve("pids").resolve(name + ".pid")).trim());
      return ServerProcess.attach(name, pid, settings.dir().resolve("logs").resolve(name + ".log"));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static List<String> runningNames(StackSettings settings) {
    return runningNamesOrdered(settings).stream()
        .filter(n -> attach(settings, n).isPresent())
        .collect(Collectors.toList());
  }

  /** Names with a PID file, in start order. */
  private static List<String> runningNamesOrdered(StackSettings settings) {
    List<String> order =
        List.of(
            "s3",
            "rest-catalog",
            "kafka",
            "kinesis",
            "flink-jobmanager",
            "flink-taskmanager",
            "prometheus");
    Path pids = settings.dir().resolve("pids");
    return order.stream()
        .filter(n -> Files.exists(pids.resolve(n + ".pid")))
        .collect(Collectors.toList());
  }
}
