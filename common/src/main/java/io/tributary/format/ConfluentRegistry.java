package io.tributary.format;

import io.tributary.quality.Reason;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Function;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Confluent wire format (magic byte 0, the schema id as a 4-byte big-endian integer, the Avro
 * body) with schemas from the Confluent Schema Registry REST API ({@code GET /schemas/ids/{id}},
 * {@code GET /subjects/{subject}/versions/latest}). Confluent's own client is not served here;
 * these two calls are all a reader needs, and Confluent Schema Registry, Apicurio's {@code
 * /apis/ccompat/v7}, Karapace and Redpanda all answer them alike.
 *
 * <p>HTTP basic auth takes its {@code user:password} from the environment variable {@code
 * format.registry.user-info-env} names, read in {@link #open} by each process that uses the
 * registry: the credentials are never part of the configuration or of this serialized object.
 */
final class ConfluentRegistry extends SchemaRegistry {
  private static final long serialVersionUID = 1L;
  private static final byte MAGIC = 0;
  private static final int HEADER = 5;

  private final String url;
  private final String userInfoEnv;
  private final Duration timeout;
  private transient HttpClient http;
  private transient ObjectMapper json;
  private transient String authorization;

  ConfluentRegistry(
      String url, Duration timeout, Duration initialBackoff, Duration maxBackoff, int attempts) {
    this(url, null, timeout, initialBackoff, maxBackoff, attempts);
  }

  /**
   * @param userInfoEnv the environment variable holding {@code user:password}; null for none
   */
  ConfluentRegistry(
      String url,
      String userInfoEnv,
      Duration timeout,
      Duration initialBackoff,
      Duration maxBackoff,
      int attempts) {
    super(initialBackoff, maxBackoff, attempts);
    this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.userInfoEnv = userInfoEnv;
    this.timeout = timeout;
  }

  /**
   * Why {@code value} of the variable {@code name} cannot be basic-auth user-info, without showing
   * it; empty when it can.
   */
  static Optional<String> userInfoProblem(String name, String value, String where) {
    if (value == null || value.isEmpty()) {
      return Optional.of(
          "names an environment variable that is not set in "
              + where
              + ". Set "
              + name
              + " to the registry's user:password in the environment of the job's client and of"
              + " every TaskManager.");
    }
    if (value.indexOf(':') <= 0) {
      return Optional.of(
          "names an environment variable whose value is not user:password (no user before a"
              + " ':'). Set "
              + name
              + " to the registry's user:password.");
    }
    return Optional.empty();
  }

  @Override
  public void open() {
    open(System::getenv);
  }

  /** Opens with environment variables read from {@code env} (tests). */
  void open(Function<String, String> env) {
    super.open();
    http = HttpClient.newBuilder().connectTimeout(timeout).build();
    json = new ObjectMapper();
    authorization = null;
    if (userInfoEnv != null) {
      String userInfo = env.apply(userInfoEnv);
      userInfoProblem(userInfoEnv, userInfo, "this TaskManager's environment")
          .ifPresent(
              why -> {
                throw new Unauthorized(
                    "format.registry.user-info-env = " + userInfoEnv + " " + why, null);
              });
      authorization =
          "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Override
  public Frame frame(byte[] record) {
    if (record.length < HEADER) {
      throw new StrictJson.Fault(
          Reason.MALFORMED_AVRO,
          "a "
              + record.length
              + "-byte record is shorter than the Confluent wire header (5 bytes)");
    }
    if (record[0] != MAGIC) {
      throw new StrictJson.Fault(
          Reason.MALFORMED_AVRO,
          String.format(
              "first byte is 0x%02x, not the Confluent wire format's magic byte 0x00",
              record[0] & 0xff));
    }
    int id =
        ((record[1] & 0xff) << 24)
            | ((record[2] & 0xff) << 16)
            | ((record[3] & 0xff) << 8)
            | (record[4] & 0xff);
    return new Frame(Integer.toString(id), record, HEADER);
  }

  @Override
  public String describe(String schemaRef) {
    return "schema id " + schemaRef;
  }

  @Override
  protected String fetch(String schemaRef) throws IOException {
    return get("/schemas/ids/" + schemaRef);
  }

  @Override
  protected String fetchLatest(String subject) throws IOException {
    return get(
        "/subjects/"
            + URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20")
            + "/versions/latest");
  }

  /** The {@code schema} text of the answer; null on 404. */
  private String get(String path) throws IOException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url + path))
            .timeout(timeout)
            .header("Accept", "application/vnd.schemaregistry.v1+json, application/json")
            .GET();
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    HttpRequest request = b.build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new Transient(url + path + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    int status = response.statusCode();
    if (status == 404) {
      return null;
    }
    if (status == 401 || status == 403) {
      throw new Refused(url + path + " answered HTTP " + status + " " + refusal(status));
    }
    if (status == 429 || status >= 500) {
      throw new Transient(url + path + " answered HTTP " + status + ": " + abbreviated(response));
    }
    if (status != 200) {
      throw new IOException(url + path + " answered HTTP " + status + ": " + abbreviated(response));
    }
    JsonNode schema = json.readTree(response.body()).path("schema");
    if (!schema.isTextual()) {
      throw new IOException(url + path + " answered without a schema: " + abbreviated(response));
    }
    return schema.textValue();
  }

  /** What a 401 or 403 means for this configuration, and its fix. */
  private String refusal(int status) {
    if (userInfoEnv == null) {
      return (status == 401 ? "(Unauthorized)" : "(Forbidden)")
          + ": the registry requires credentials and none are configured. Set"
          + " format.registry.user-info-env to the name of an environment variable holding the"
          + " registry's user:password (HTTP basic auth), set for the job's client and every"
          + " TaskManager";
    }
    if (status == 401) {
      return "(Unauthorized) to the credentials in environment variable "
          + userInfoEnv
          + " (format.registry.user-info-env): the registry does not accept that user:password."
          + " Fix the value of "
          + userInfoEnv;
    }
    return "(Forbidden) to the user in environment variable "
        + userInfoEnv
        + " (format.registry.user-info-env): grant that user read access to the registry's"
        + " schemas and subjects, or set "
        + userInfoEnv
        + " to a user that has it";
  }

  private static String abbreviated(HttpResponse<String> r) {
    String b = r.body() == null ? "" : r.body();
    return b.length() > 200 ? b.substring(0, 200) + "..." : b;
  }
}
