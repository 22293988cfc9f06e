package io.tributary.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.tributary.config.ConfigException;
import io.tributary.config.Configs;
import io.tributary.config.GroupConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP basic auth against a Confluent-compatible registry that requires it: a real HTTP server on
 * 127.0.0.1 (the JDK's) that answers the two registry calls only to the right credentials, and
 * answers queued statuses first to show which failures are retried.
 */
class RegistryAuthTest {
  static final String USER_INFO = "reader:s3cret:with-colon";
  static final String WRONG = "reader:not-it";
  static final String VARIABLE = "TRIBUTARY_TEST_REGISTRY_USER_INFO";

  private HttpServer server;
  private String url;
  private final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
  private final ConcurrentLinkedQueue<Integer> queued = new ConcurrentLinkedQueue<>();
  private int forbiddenStatus = 401;

  @BeforeEach
  void start() throws IOException {
    String expected =
        "Basic " + Base64.getEncoder().encodeToString(USER_INFO.getBytes(StandardCharsets.UTF_8));
    String answer =
        new ObjectMapper()
            .writeValueAsString(Map.of("schema", AvroDecodingTest.V1.toString(), "id", 1));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String auth = exchange.getRequestHeaders().getFirst("Authorization");
          authorizations.add(String.valueOf(auth));
          Integer status = queued.poll();
          byte[] body;
          if (status != null) {
            body = ("{\"error_code\":" + status + "}").getBytes(StandardCharsets.UTF_8);
          } else if (!expected.equals(auth)) {
            status = forbiddenStatus;
            exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"registry\"");
            body =
                "{\"error_code\":401,\"message\":\"Unauthorized\"}"
                    .getBytes(StandardCharsets.UTF_8);
          } else {
            String path = exchange.getRequestURI().getPath();
            status =
                path.equals("/schemas/ids/1")
                        || path.equals("/subjects/orders-value/versions/latest")
                    ? 200
                    : 404;
            body =
                (status == 200 ? answer : "{\"error_code\":40403}")
                    .getBytes(StandardCharsets.UTF_8);
          }
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private GroupConfig format(String url, String... more) {
    List<String> kv =
        new ArrayList<>(
            List.of(
                "format.type", "avro-confluent",
                "format.registry.url", url,
                "format.registry.subject", "orders-value",
                "format.event-time.field", "ts",
                "format.registry.retry.initial-backoff", "50 ms",
                "format.registry.retry.max-backoff", "80 ms",
                "format.registry.retry.max-attempts", "3"));
    kv.addAll(List.of(more));
    return Configs.of(kv.toArray(new String[0])).group(FormatOptions.GROUP);
  }

  private ConfluentRegistry opened(GroupConfig c, Function<String, String> env) {
    ConfluentRegistry r =
        (ConfluentRegistry) SchemaRegistry.fromConfig(c, FormatOptions.Type.AVRO_CONFLUENT, env);
    r.open(env);
    return r;
  }

  @Test
  void theUserInfoFromTheNamedVariableIsSentAsBasicAuth() throws Exception {
    Map<String, String> env = Map.of(VARIABLE, USER_INFO);
    ConfluentRegistry r = opened(format(url, "format.registry.user-info-env", VARIABLE), env::get);
    assertThat(r.latest("orders-value")).isEqualTo(AvroDecodingTest.V1);
    assertThat(r.schema("1")).isEqualTo(AvroDecodingTest.V1);
    assertThat(r.schema("7")).isNull(); // 404 with good credentials: an unknown schema
    assertThat(authorizations)
        .containsExactly(
            "Basic cmVhZGVyOnMzY3JldDp3aXRoLWNvbG9u",
            "Basic cmVhZGVyOnMzY3JldDp3aXRoLWNvbG9u",
            "Basic cmVhZGVyOnMzY3JldDp3aXRoLWNvbG9u");
    // the credentials stay out of what Flink ships to the TaskManagers
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(r);
    }
    String serialized = bytes.toString(StandardCharsets.ISO_8859_1);
    assertThat(serialized).contains(VARIABLE).doesNotContain("s3cret").doesNotContain("cmVhZGVy");
  }

  @Test
  void refusedCredentialsFailAtOnceNamingTheVariableAndTheFix() {
    Map<String, String> env = Map.of(VARIABLE, WRONG);
    ConfluentRegistry r = opened(format(url, "format.registry.user-info-env", VARIABLE), env::get);
    assertThatThrownBy(() -> r.schema("1"))
        .isInstanceOf(SchemaRegistry.Unauthorized.class)
        .hasMessage(
            "the schema registry refused the request for schema id 1: "
                + url
                + "/schemas/ids/1 answered HTTP 401 (Unauthorized) to the credentials in"
                + " environment variable "
                + VARIABLE
                + " (format.registry.user-info-env): the registry does not accept that"
                + " user:password. Fix the value of "
                + VARIABLE);
    assertThat(authorizations).hasSize(1); // not retried

    forbiddenStatus = 403;
    assertThatThrownBy(() -> r.schema("1"))
        .isInstanceOf(SchemaRegistry.Unauthorized.class)
        .hasMessageContaining("answered HTTP 403 (Forbidden) to the user in environment variable")
        .hasMessageContaining("grant that user read access")
        .hasMessageNotContaining("not-it");
    assertThat(authorizations).hasSize(2);
  }

  @Test
  void aRegistryThatWantsCredentialsAndGetsNoneNamesTheOptionToSet() {
    ConfluentRegistry r = opened(format(url), name -> null);
    assertThatThrownBy(() -> r.schema("1"))
        .isInstanceOf(SchemaRegistry.Unauthorized.class)
        .hasMessageContaining("answered HTTP 401 (Unauthorized): the registry requires credentials")
        .hasMessageContaining("Set format.registry.user-info-env to the name of an environment");
    assertThat(authorizations).containsExactly("null"); // no header, one request

    // at start-up the table's schema cannot be read: the job is refused with the same fix
    assertThatThrownBy(() -> EventSchema.fromConfig(format(url), null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'registry.url' in property group 'format'")
        .hasMessageContaining("for the latest schema of orders-value")
        .hasMessageContaining("Set format.registry.user-info-env")
        .hasMessageNotContaining("Check that the registry is up");
    assertThat(authorizations).hasSize(2);
  }

  @Test
  void serverErrorsAndRefusedConnectionsAreRetriedWithCappedBackoff() throws IOException {
    Map<String, String> env = Map.of(VARIABLE, USER_INFO);
    ConfluentRegistry r = opened(format(url, "format.registry.user-info-env", VARIABLE), env::get);
    queued.add(503);
    queued.add(429);
    assertThat(r.schema("1")).isEqualTo(AvroDecodingTest.V1);
    assertThat(authorizations).hasSize(3);

    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    ConfluentRegistry unreachable =
        opened(
            format("http://127.0.0.1:" + closed, "format.registry.user-info-env", VARIABLE),
            env::get);
    long start = System.nanoTime();
    assertThatThrownBy(() -> unreachable.schema("1"))
        .isInstanceOf(SchemaRegistry.Unavailable.class)
        .isNotInstanceOf(SchemaRegistry.Unauthorized.class)
        .hasMessageContaining("did not answer for schema id 1 after 3 attempts");
    // two waits: 50 ms, then 100 ms capped at 80 ms
    assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(130);
  }

  @Test
  void startUpRefusesAMissingOrMalformedVariableWithoutShowingItsValue() {
    GroupConfig c = format(url, "format.registry.user-info-env", VARIABLE);
    assertThatThrownBy(
            () -> SchemaRegistry.fromConfig(c, FormatOptions.Type.AVRO_CONFLUENT, name -> null))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid configuration: bad value for 'registry.user-info-env' in property group 'format': '"
                + VARIABLE
                + "' names an environment variable that is not set in this process. Set "
                + VARIABLE
                + " to the registry's user:password in the environment of the job's client and"
                + " of every TaskManager.");
    Map<String, String> noColon = Map.of(VARIABLE, "tokenwithoutuser");
    assertThatThrownBy(
            () -> SchemaRegistry.fromConfig(c, FormatOptions.Type.AVRO_CONFLUENT, noColon::get))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("whose value is not user:password")
        .hasMessageNotContaining("tokenwithoutuser");
    // a TaskManager without the variable fails its task with the same fix
    ConfluentRegistry r =
        (ConfluentRegistry)
            SchemaRegistry.fromConfig(
                c, FormatOptions.Type.AVRO_CONFLUENT, Map.of(VARIABLE, USER_INFO)::get);
    assertThatThrownBy(() -> r.open(name -> null))
        .isInstanceOf(SchemaRegistry.Unauthorized.class)
        .hasMessageContaining("format.registry.user-info-env = " + VARIABLE)
        .hasMessageContaining("not set in this TaskManager's environment");
  }

  /**
   * Glue takes no credentials of its own: the SDK's default provider chain signs each request (here
   * its system-property provider), and a refusal fails at once naming the chain and the permission.
   */
  @Test
  void glueSignsWithTheDefaultProviderChainAndARefusalIsNotRetried() throws IOException {
    List<String> signed = Collections.synchronizedList(new ArrayList<>());
    List<Boolean> deny = Collections.synchronizedList(new ArrayList<>(List.of(false)));
    String answer =
        new ObjectMapper()
            .writeValueAsString(
                Map.of(
                    "SchemaDefinition",
                    AvroDecodingTest.V1.toString(),
                    "DataFormat",
                    "AVRO",
                    "VersionNumber",
                    1));
    HttpServer glue = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    glue.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          signed.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
          byte[] body;
          int status;
          if (deny.get(0)) {
            status = 400;
            exchange.getResponseHeaders().add("x-amzn-ErrorType", "AccessDeniedException");
            body =
                "{\"__type\":\"AccessDeniedException\",\"Message\":\"not allowed\"}"
                    .getBytes(StandardCharsets.UTF_8);
          } else {
            status = 200;
            body = answer.getBytes(StandardCharsets.UTF_8);
          }
          exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    glue.start();
    System.setProperty("aws.accessKeyId", "AKIDTRIBUTARYCHAIN");
    System.setProperty("aws.secretAccessKey", "chain-secret");
    try {
      GroupConfig c =
          Configs.of(
                  "format.type", "avro-glue",
                  "format.registry.glue.schema-name", "orders",
                  "format.registry.glue.region", "eu-west-1",
                  "format.registry.glue.endpoint",
                      "http://127.0.0.1:" + glue.getAddress().getPort(),
                  "format.event-time.field", "ts",
                  "format.registry.retry.initial-backoff", "1 ms",
                  "format.registry.retry.max-attempts", "3")
              .group(FormatOptions.GROUP);
      SchemaRegistry r = SchemaRegistry.fromConfig(c, FormatOptions.Type.AVRO_GLUE, name -> null);
      r.open();
      assertThat(r.latest("orders")).isEqualTo(AvroDecodingTest.V1);
      assertThat(signed).hasSize(1);
      assertThat(signed.get(0))
          .startsWith("AWS4-HMAC-SHA256 Credential=AKIDTRIBUTARYCHAIN/")
          .contains("/eu-west-1/glue/aws4_request");

      deny.set(0, true);
      assertThatThrownBy(() -> r.schema("0b4c6f5e-0000-4000-8000-000000000001"))
          .isInstanceOf(SchemaRegistry.Unauthorized.class)
          .hasMessageContaining("AWS credentials from the SDK's default provider chain")
          .hasMessageContaining("glue:GetSchemaVersion")
          .hasMessageNotContaining("chain-secret");
      assertThat(signed).hasSize(2); // not retried
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
      glue.stop(0);
    }
  }
}
