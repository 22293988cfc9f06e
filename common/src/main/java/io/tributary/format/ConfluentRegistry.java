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
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Confluent wire format (magic byte 0, the schema id as a 4-byte big-endian integer, the Avro
 * body) with schemas from the Confluent Schema Registry REST API ({@code GET /schemas/ids/{id}},
 * {@code GET /subjects/{subject}/versions/latest}). Confluent's own client is not served here;
 * these two calls are all a reader needs, and Confluent Schema Registry, Apicurio's {@code
 * /apis/ccompat/v7}, Karapace and Redpanda all answer them alike.
 */
final class ConfluentRegistry extends SchemaRegistry {
  private static final long serialVersionUID = 1L;
  private static final byte MAGIC = 0;
  private static final int HEADER = 5;

  private final String url;
  private final Duration timeout;
  private transient HttpClient http;
  private transient ObjectMapper json;

  ConfluentRegistry(
      String url, Duration timeout, Duration initialBackoff, Duration maxBackoff, int attempts) {
    super(initialBackoff, maxBackoff, attempts);
    this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.timeout = timeout;
  }

  @Override
  public void open() {
    super.open();
    http = HttpClient.newBuilder().connectTimeout(timeout).build();
    json = new ObjectMapper();
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
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + path))
            .timeout(timeout)
            .header("Accept", "application/vnd.schemaregistry.v1+json, application/json")
            .GET()
            .build();
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

  private static String abbreviated(HttpResponse<String> r) {
    String b = r.body() == null ? "" : r.body();
    return b.length() > 200 ? b.substring(0, 200) + "..." : b;
  }
}
