package io.tributary.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Iceberg's REST catalog server (the one in the {@code apache/iceberg-rest-fixture} image), its
 * tables on S3 through S3FileIO and its catalog in a SQLite file, so it survives restarts.
 */
public final class RestCatalog {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** The stack's placeholder credentials for its local S3; the local servers check none. */
  public static final Map<String, String> LOCAL_AWS_ENV =
      Map.of(
          "AWS_ACCESS_KEY_ID", "local",
          "AWS_SECRET_ACCESS_KEY", "local",
          "AWS_REGION", "us-east-1");

  private RestCatalog() {}

  /**
   * Starts the server on {@code port}, writing tables under {@code warehouse} (an {@code s3://}
   * location) on the S3 server at {@code s3Endpoint}. Jetty in this server binds every interface;
   * it has no setting for the host.
   */
  public static ServerProcess start(
      Path dir, Path logFile, int port, String warehouse, String s3Endpoint) {
    Map<String, String> env = new java.util.HashMap<>(LOCAL_AWS_ENV);
    env.putAll(catalogEnvironment(dir.resolve("catalog.db"), port, warehouse, s3Endpoint));
    List<String> command =
        List.of(
            Artifacts.java(),
            "-Xmx384m",
            "-jar",
            Artifacts.serverJar("iceberg-open-api").toString());
    ServerProcess server = ServerProcess.start("rest-catalog", command, dir, logFile, env);
    server.awaitReady(() -> ServerProcess.listening(port), START_TIMEOUT, "port " + port);
    return server;
  }

  /**
   * The server's catalog settings ({@code CATALOG_x_y} means catalog property x.y; a double
   * underscore means a dash); docker/compose.yaml sets the same (DockerComposeTest compares).
   */
  static Map<String, String> catalogEnvironment(
      Path catalogDb, int port, String warehouse, String s3Endpoint) {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    env.put("CATALOG_REST_PORT", String.valueOf(port));
    env.put("CATALOG_WAREHOUSE", warehouse);
    env.put("CATALOG_URI", "jdbc:sqlite:file:" + catalogDb);
    env.put("CATALOG_JDBC_USER", "user");
    env.put("CATALOG_JDBC_PASSWORD", "password");
    env.put("CATALOG_IO__IMPL", "org.apache.iceberg.aws.s3.S3FileIO");
    env.put("CATALOG_S3_ENDPOINT", s3Endpoint);
    env.put("CATALOG_S3_PATH__STYLE__ACCESS", "true");
    env.put("CATALOG_CLIENT_REGION", "us-east-1");
    return env;
  }

  public static String uri(int port) {
    return "http://127.0.0.1:" + port;
  }
}
