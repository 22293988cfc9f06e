package io.tributary.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Flink's SQL client ({@code sql-client.sh embedded}) against the stack's cluster: {@code
 * bin/sql-client -i sql/init.sql -i sql/catalogs/local.sql -i sql/sources/kafka-events.sql -f
 * sql/pipelines/ingest.sql}. The client takes one init file, so the {@code -i} files are joined in
 * order; every file is rendered by {@link SqlScripts} first.
 */
public final class SqlClient {
  private SqlClient() {}

  /**
   * Renders the scripts into the stack's folder and returns the SQL client's command line, with the
   * stack's Flink configuration ({@code FLINK_CONF_DIR}) so jobs go to its cluster.
   */
  public static ProcessBuilder command(
      StackSettings settings, List<Path> inits, Path script, Map<String, String> environment) {
    Map<String, String> vars = SqlScripts.variables(settings, environment);
    Path dir = settings.dir().resolve("sql");
    String name = script.getFileName().toString().replaceAll("\\.sql$", "");
    Path init = dir.resolve(name + "-init.sql");
    Path body = dir.resolve(name + ".sql");
    try {
      Files.createDirectories(dir);
      Files.writeString(
          init,
          "-- bin/sql-client: the connector bundle goes with every job to the cluster.\n"
              + "SET 'pipeline.jars' = '"
              + Artifacts.sqlBundle().toUri()
              + "';\n"
              + SqlScripts.render(inits, vars),
          StandardCharsets.UTF_8);
      Files.writeString(body, SqlScripts.render(List.of(script), vars), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Path> classpath = new ArrayList<>(FlinkCluster.libJars());
    // The client plans with the bundle's table factories and catalogs on its own classpath, and
    // ships the bundle with every job (the init below), as `sql-client.sh -j` would.
    classpath.add(Artifacts.sqlBundle());
    List<String> command = new ArrayList<>();
    command.add(Artifacts.java());
    command.add("-Xmx1g");
    command.add(Artifacts.CLIENT_JIT);
    command.addAll(Artifacts.flinkJdk17Flags());
    command.add("-Dlog.file=" + settings.dir().resolve("logs/sql-client.log"));
    command.add(
        "-Dlog4j.configurationFile="
            + settings.dir().resolve("flink/conf/log4j.properties").toUri());
    command.add("-cp");
    command.add(Artifacts.classpath(classpath));
    command.add("org.apache.flink.table.client.SqlClient");
    command.add("embedded");
    command.add("-i");
    command.add(init.toString());
    command.add("-f");
    command.add(body.toString());
    command.add("-hist");
    command.add(dir.resolve("history").toString());
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.put("FLINK_CONF_DIR", settings.dir().resolve("flink/conf").toString());
    RestCatalog.LOCAL_AWS_ENV.forEach(env::putIfAbsent);
    return builder;
  }

  /** Runs a script to its end and returns what the client printed; fails if the client fails. */
  public static String run(
      StackSettings settings,
      List<Path> inits,
      Path script,
      Map<String, String> variables,
      Duration timeout) {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.putAll(variables);
    ProcessBuilder builder = command(settings, inits, script, env).redirectErrorStream(true);
    builder.environment().putAll(variables);
    try {
      Path out = Files.createTempFile(settings.dir(), "sql-client-", ".out");
      Process p = builder.redirectOutput(out.toFile()).start();
      boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        p.destroyForcibly();
      }
      String output = Files.readString(out, StandardCharsets.UTF_8);
      if (!done || p.exitValue() != 0 || output.contains("[ERROR]")) {
        throw new IllegalStateException(
            "The SQL client "
                + (done ? "exited with " + p.exitValue() : "did not finish within " + timeout)
                + " running "
                + script
                + ":\n"
                + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    }
  }

  /**
   * {@code bin/sql-client [-i init.sql]... -f script.sql}: runs one script, printing its output.
   */
  public static void main(String[] args) throws Exception {
    List<Path> inits = new ArrayList<>();
    Path script = null;
    for (int i = 0; i < args.length; i++) {
      if (("-i".equals(args[i]) || "--init".equals(args[i])) && i + 1 < args.length) {
        inits.add(Paths.get(args[++i]));
      } else if (("-f".equals(args[i]) || "--file".equals(args[i])) && i + 1 < args.length) {
        script = Paths.get(args[++i]);
      } else {
        System.err.println("usage: bin/sql-client [-i init.sql]... -f script.sql");
        System.exit(2);
      }
    }
    if (script == null) {
      System.err.println("usage: bin/sql-client [-i init.sql]... -f script.sql");
      System.exit(2);
    }
    StackSettings settings = StackSettings.fromEnvironment(System::getenv);
    Map<String, String> env = new HashMap<>(readEnvFile(settings.dir().resolve("stack.env")));
    env.putAll(System.getenv());
    Process p = command(settings, inits, script, env).inheritIO().start();
    System.exit(p.waitFor());
  }

  private static Map<String, String> readEnvFile(Path file) {
    Map<String, String> vars = new HashMap<>();
    if (!Files.exists(file)) {
      return vars;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int eq = line.indexOf('=');
        if (!line.startsWith("#") && eq > 0) {
          vars.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return vars;
  }
}
