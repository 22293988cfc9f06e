package io.tributary.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Secrets planted in a job's configuration where users put them, and the search for them in what a
 * run leaves behind. Each value is unique, so a hit names the setting it came from.
 */
public final class PlantedSecrets {
  /** What each planted value is, by the value. */
  public static final Map<String, String> PLANTED = new LinkedHashMap<>();

  public static final String JAAS_PASSWORD = plant("PLANTED-jaas-7f3a", "kafka jaas password");
  public static final String SSL_KEY_PASSWORD = plant("PLANTED-sslkey-91c2", "kafka ssl key");
  public static final String AUTHORIZATION = plant("PLANTED-auth-c0de", "catalog Authorization");
  public static final String TOKEN = plant("PLANTED-token-5e11", "catalog token");
  public static final String SSE_KEY = plant("PLANTED-kms-4b7d", "iceberg.s3.sse.key");
  public static final String COMMAND_LINE = plant("PLANTED-cli-2a9f", "command-line header");

  private PlantedSecrets() {}

  private static String plant(String value, String what) {
    PLANTED.put(value, what);
    return value;
  }

  /**
   * {@code kafka} group entries: a SASL JAAS config with a password and an SSL key password, which
   * Kafka reads only with SASL or SSL, so a plaintext test broker still works.
   */
  public static Map<String, String> kafka() {
    return Map.of(
        "properties.sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"tributary\""
            + " password=\""
            + JAAS_PASSWORD
            + "\";",
        "properties.ssl.key.password",
        SSL_KEY_PASSWORD);
  }

  /**
   * {@code iceberg} group entries: a REST catalog's Authorization header and token (a hadoop
   * catalog ignores both), and an SSE-KMS key.
   */
  public static Map<String, String> iceberg() {
    return Map.of(
        "catalog.properties.header.Authorization",
        "Bearer " + AUTHORIZATION,
        "catalog.properties.token",
        TOKEN,
        "s3.sse.type",
        "kms",
        "s3.sse.key",
        SSE_KEY);
  }

  /** A command-line override carrying a secret. */
  public static List<String> commandLine() {
    return List.of("--iceberg.catalog.properties.header.X-Planted", COMMAND_LINE);
  }

  /** Every planted value in {@code text}, as "what in source". */
  public static List<String> find(String source, String text) {
    List<String> hits = new ArrayList<>();
    PLANTED.forEach(
        (value, what) -> {
          if (text.contains(value)) {
            hits.add(what + " in " + source);
          }
        });
    return hits;
  }

  /** Every planted value in every file under {@code root}. */
  public static List<String> findInFiles(Path root) {
    List<String> hits = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path f : walk.filter(Files::isRegularFile).collect(Collectors.toList())) {
        hits.addAll(find(f.toString(), Files.readString(f, StandardCharsets.ISO_8859_1)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return hits;
  }
}
