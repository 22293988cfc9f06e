package io.tributary.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Where the build of this checkout put what the stack runs: jars, classpaths, config. */
public final class Artifacts {
  private static final Properties BUILD = load();

  private Artifacts() {}

  /** The checkout's root folder. */
  public static Path repoRoot() {
    return Paths.get(BUILD.getProperty("repo.root")).normalize();
  }

  /** The {@code java} of the running JVM: every server runs on the same JDK. */
  public static String java() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * A Flink 1.20.3 installation's jars: flink-dist's lib/, its web UI, and from opt/ the SQL
   * client, the Prometheus reporter, and Hadoop (as {@code HADOOP_CLASSPATH} would add it).
   */
  public static List<Path> flinkClasspath() {
    List<Path> jars = new ArrayList<>(flinkRuntimeClasspath());
    jars.addAll(readClasspath("flink-opt.classpath"));
    return jars;
  }

  /**
   * flink-dist's lib/ alone: Flink's runtime jars and log4j, no Hadoop, no web UI, no connector.
   */
  public static List<Path> flinkRuntimeClasspath() {
    return readClasspath("flink.classpath");
  }

  /** flink-dist's {@code plugins/}: Flink's S3 file system ({@code s3-fs-hadoop}). */
  public static Path flinkPlugins() {
    Path dir = Paths.get(BUILD.getProperty("flink.plugins"));
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException(dir + " is missing: run mvn -q install -DskipTests first");
    }
    return dir;
  }

  /** This module's compiled classes: what the stack adds to its Flink JVMs' classpath. */
  public static Path stackClasses() {
    return requireFile(Paths.get(BUILD.getProperty("stack.classes")), "mvn -q install -DskipTests");
  }

  /** Kafka's broker jars and their logging. */
  public static List<Path> kafkaClasspath() {
    return readClasspath("stack.classpath");
  }

  /**
   * A self-contained server jar copied by the build ({@code s3mock-exec}, {@code
   * iceberg-open-api}).
   */
  public static Path serverJar(String name) {
    Path jar = Paths.get(BUILD.getProperty("servers.dir"), name + ".jar");
    return requireFile(jar, "mvn -q install -DskipTests");
  }

  /** The SQL connector bundle: Kafka, Kinesis, Iceberg, the AWS bundle and Hadoop, in one jar. */
  public static Path sqlBundle() {
    return requireFile(
        repoRoot().resolve("sql/target/tributary-sql-bundle.jar"), "mvn -q install -DskipTests");
  }

  /** The jobs' cluster jar ({@code flink run}, MSF). */
  public static Path jobsJar() {
    Path target = repoRoot().resolve("jobs/target");
    try (Stream<Path> files = Files.list(target)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith("-cluster.jar"))
          .findFirst()
          .orElseThrow(
              () ->
                  missing(
                      target.resolve("tributary-jobs-*-cluster.jar"),
                      "mvn -q install -DskipTests"));
    } catch (IOException e) {
      throw missing(target, "mvn -q install -DskipTests");
    }
  }

  /**
   * For a client JVM that lives for seconds ({@code bin/flink}, {@code bin/sql-client}): C1 only.
   * C2's compiles cost more CPU than they return in a process that short. Measured on a SQL client
   * script (3 runs each): 12.7 CPU s and 8.2 s of wall time with both compilers, 7.4 and 7.1 with
   * C1 only.
   */
  public static final String CLIENT_JIT = "-XX:TieredStopAtLevel=1";

  /** The flags flink-dist's scripts give every Flink JVM on JDK 17. */
  public static List<String> flinkJdk17Flags() {
    return Arrays.stream(BUILD.getProperty("flink.jdk17.flags").trim().split("\\s+"))
        .collect(Collectors.toList());
  }

  /** Apicurio Registry, the Confluent-compatible schema registry the Avro tests start. */
  public static String apicurioVersion() {
    return BUILD.getProperty("apicurio.version");
  }

  public static String kinesisLocalVersion() {
    return BUILD.getProperty("kinesis-local.version");
  }

  /** The stack's shared configuration files ({@code stack/conf}), also mounted by docker/. */
  public static Path conf() {
    return repoRoot().resolve("stack/conf");
  }

  private static List<Path> readClasspath(String key) {
    Path file = requireFile(Paths.get(BUILD.getProperty(key)), "mvn -q install -DskipTests");
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8).trim();
      return Arrays.stream(text.split(java.io.File.pathSeparator))
          .filter(s -> !s.isEmpty())
          .map(Paths::get)
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path requireFile(Path path, String build) {
    if (!Files.exists(path)) {
      throw missing(path, build);
    }
    return path;
  }

  private static IllegalStateException missing(Path path, String build) {
    return new IllegalStateException(
        path + " does not exist. Build the checkout first, from " + repoRoot() + ": " + build);
  }

  private static Properties load() {
    Properties props = new Properties();
    try (InputStream in = Artifacts.class.getResourceAsStream("build.properties")) {
      props.load(in);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("build.properties missing from the stack's classpath", e);
    }
    return props;
  }

  static String classpath(List<Path> jars) {
    return jars.stream()
        .map(Path::toString)
        .collect(Collectors.joining(java.io.File.pathSeparator));
  }
}
