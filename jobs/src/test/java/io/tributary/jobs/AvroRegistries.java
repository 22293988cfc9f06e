package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.format.FakeRegistry;
import io.tributary.stack.ApicurioRegistry;
import io.tributary.stack.GlueMock;
import io.tributary.stack.Ports;
import io.tributary.stack.ServerProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.AlreadyExistsException;
import software.amazon.awssdk.services.glue.model.Compatibility;
import software.amazon.awssdk.services.glue.model.DataFormat;

/**
 * Both schema registries that run here, for one test class: Apicurio Registry's
 * Confluent-compatible API and moto's AWS Glue API, each a process on 127.0.0.1, with the calls a
 * producer's serializer makes to register schemas. {@code @RegisterExtension static final
 * AvroRegistries registries = new AvroRegistries();}
 *
 * <p>The Glue client of the job under test finds credentials through the default AWS provider
 * chain, as in production: dummy ones are set as system properties for the class (unless a Kinesis
 * or S3 extension already set some).
 */
final class AvroRegistries implements BeforeAllCallback, AfterAllCallback {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> CREDENTIALS =
      Map.of("aws.accessKeyId", "local", "aws.secretAccessKey", "local");

  private final Map<String, String> previous = new HashMap<>();
  private Path dir;
  private ServerProcess confluent;
  private ServerProcess glue;
  private String url;
  private String glueEndpoint;

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("tributary-registries");
    int port = Ports.free();
    confluent = ApicurioRegistry.start(dir, dir.resolve("apicurio.log"), port);
    url = ApicurioRegistry.confluentUrl(port);
    int gluePort = Ports.free();
    glue = GlueMock.start(dir, dir.resolve("glue.log"), gluePort);
    glueEndpoint = GlueMock.endpoint(gluePort);
    CREDENTIALS.forEach(
        (k, v) -> {
          if (System.getProperty(k) == null) {
            previous.put(k, null);
            System.setProperty(k, v);
          }
        });
  }

  @Override
  public void afterAll(ExtensionContext context) {
    previous.keySet().forEach(System::clearProperty);
    previous.clear();
    try {
      if (confluent != null) {
        confluent.stop();
      }
    } finally {
      if (glue != null) {
        glue.stop();
      }
    }
  }

  /** The Confluent-compatible API: what {@code format.registry.url} takes. */
  String url() {
    return url;
  }

  /** moto's Glue API: what {@code format.registry.glue.endpoint} takes. */
  String glueEndpoint() {
    return glueEndpoint;
  }

  /** Registers a schema version under the subject, as a producer's serializer does; its id. */
  int register(String subject, Schema schema) throws Exception {
    String body = JSON.writeValueAsString(Map.of("schema", schema.toString()));
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url + "/subjects/" + subject + "/versions"))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).get("id").asInt();
  }

  GlueClient glue() {
    return GlueClient.builder()
        .region(Region.US_EAST_1)
        .endpointOverride(URI.create(glueEndpoint))
        .build();
  }

  /** Creates a Glue registry (if new) and a schema in it with its first version; that version. */
  UUID createGlueSchema(String registry, String name, Schema first) {
    try (GlueClient client = glue()) {
      try {
        client.createRegistry(b -> b.registryName(registry));
      } catch (AlreadyExistsException e) {
        // another test of the class made it
      }
      return UUID.fromString(
          client
              .createSchema(
                  b ->
                      b.registryId(r -> r.registryName(registry))
                          .schemaName(name)
                          .dataFormat(DataFormat.AVRO)
                          .compatibility(Compatibility.BACKWARD)
                          .schemaDefinition(first.toString()))
              .schemaVersionId());
    }
  }

  /** Registers the next version of a Glue schema; its version id. */
  UUID registerGlueVersion(String registry, String name, Schema next) {
    try (GlueClient client = glue()) {
      return UUID.fromString(
          client
              .registerSchemaVersion(
                  b ->
                      b.schemaId(s -> s.registryName(registry).schemaName(name))
                          .schemaDefinition(next.toString()))
              .schemaVersionId());
    }
  }

  /** The wire format a producer writes: which registry, and which framing. */
  enum Kind {
    CONFLUENT,
    GLUE
  }

  private static final String GLUE_REGISTRY = "tributary";
  private static final UUID UNKNOWN_VERSION =
      UUID.fromString("00000000-0000-4000-8000-000000000042");
  private static final int UNKNOWN_ID = 987654;

  /**
   * Registers the versions, in order, under a Confluent subject or as one Glue schema, and returns
   * how a producer of that registry frames records of each version.
   */
  Subject subject(Kind kind, String name, Schema... versions) throws Exception {
    List<Object> ids = new ArrayList<>();
    for (int v = 0; v < versions.length; v++) {
      if (kind == Kind.CONFLUENT) {
        ids.add(register(name, versions[v]));
      } else {
        ids.add(
            v == 0
                ? createGlueSchema(GLUE_REGISTRY, name, versions[v])
                : registerGlueVersion(GLUE_REGISTRY, name, versions[v]));
      }
    }
    return new Subject(kind, name, ids);
  }

  /** A registered subject (Confluent) or schema (Glue) and its versions' ids. */
  final class Subject {
    final Kind kind;
    final String name;
    private final List<Object> ids;
    private int framed;

    private Subject(Kind kind, String name, List<Object> ids) {
      this.kind = kind;
      this.name = name;
      this.ids = ids;
    }

    /**
     * A record of the version (0 for the first) as its producer writes it; Glue's alternate between
     * zlib-compressed and plain bodies, as producers with and without compression do.
     */
    byte[] frame(int version, GenericRecord record) {
      Object id = ids.get(version);
      return kind == Kind.CONFLUENT
          ? FakeRegistry.confluent((Integer) id, record)
          : FakeRegistry.glue((UUID) id, framed++ % 2 == 0, record);
    }

    /** A record of the version with an uncompressed body, whatever the registry. */
    byte[] plain(int version, GenericRecord record) {
      Object id = ids.get(version);
      return kind == Kind.CONFLUENT
          ? FakeRegistry.confluent((Integer) id, record)
          : FakeRegistry.glue((UUID) id, false, record);
    }

    /** A record framed with a schema id or version the registry never gave out. */
    byte[] unknown(GenericRecord record) {
      return kind == Kind.CONFLUENT
          ? FakeRegistry.confluent(UNKNOWN_ID, record)
          : FakeRegistry.glue(UNKNOWN_VERSION, false, record);
    }

    /** How a dead letter names the version: "schema id 3", "schema version 8c0f...". */
    String named(int version) {
      return (kind == Kind.CONFLUENT ? "schema id " : "schema version ") + ids.get(version);
    }

    /** How a dead letter names the id of {@link #unknown}. */
    String namedUnknown() {
      return kind == Kind.CONFLUENT
          ? "schema id " + UNKNOWN_ID
          : "schema version " + UNKNOWN_VERSION;
    }

    /** The options of an event format ({@code ingest}, {@code aggregate}) reading this subject. */
    List<String> eventFormat() {
      return kind == Kind.CONFLUENT
          ? List.of(
              "--format.type", "avro-confluent",
              "--format.registry.url", url,
              "--format.registry.subject", name)
          : List.of(
              "--format.type", "avro-glue",
              "--format.registry.glue.registry-name", GLUE_REGISTRY,
              "--format.registry.glue.schema-name", name,
              "--format.registry.glue.region", "us-east-1",
              "--format.registry.glue.endpoint", glueEndpoint);
    }

    /** The options of {@code cdc} reading Debezium's Avro envelope from this registry. */
    List<String> debeziumFormat() {
      return kind == Kind.CONFLUENT
          ? List.of("--cdc.format", "debezium-avro-confluent", "--format.registry.url", url)
          : List.of(
              "--cdc.format",
              "debezium-avro-glue",
              "--format.registry.glue.registry-name",
              GLUE_REGISTRY,
              "--format.registry.glue.region",
              "us-east-1",
              "--format.registry.glue.endpoint",
              glueEndpoint);
    }
  }
}
