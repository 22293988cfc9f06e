package io.tributary.format;

import io.tributary.quality.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.GlueClientBuilder;
import software.amazon.awssdk.services.glue.model.EntityNotFoundException;
import software.amazon.awssdk.services.glue.model.GetSchemaVersionRequest;
import software.amazon.awssdk.services.glue.model.GlueException;
import software.amazon.awssdk.services.glue.model.SchemaId;
import software.amazon.awssdk.services.glue.model.SchemaVersionNumber;

/**
 * The AWS Glue Schema Registry wire format (header version byte 3, compression byte 0 for none or 5
 * for zlib, the 16-byte schema version UUID, the Avro body) with schemas from Glue's {@code
 * GetSchemaVersion}, through the AWS SDK v2 Glue client the build already carries for the Glue
 * catalog. AWS's serde library is not used: it would add its own SDK, Kafka and Avro versions to
 * the job jar for these two calls and an 18-byte header. Credentials come from the SDK's default
 * provider chain only; a refusal of them fails the job at once ({@link Unauthorized}).
 */
final class GlueRegistry extends SchemaRegistry {
  private static final long serialVersionUID = 1L;
  private static final byte HEADER_VERSION = 3;
  private static final byte NO_COMPRESSION = 0;
  private static final byte ZLIB = 5;
  private static final int HEADER = 18;

  /** A zlib body inflating past this is refused: a small record must not exhaust the heap. */
  static final int MAX_INFLATED = 64 * 1024 * 1024;

  private final String registryName;
  private final String region;
  private final String endpoint;
  private final Duration timeout;
  private transient GlueClient glue;

  GlueRegistry(
      String registryName,
      String region,
      String endpoint,
      Duration timeout,
      Duration initialBackoff,
      Duration maxBackoff,
      int attempts) {
    super(initialBackoff, maxBackoff, attempts);
    this.registryName = registryName;
    this.region = region;
    this.endpoint = endpoint;
    this.timeout = timeout;
  }

  @Override
  public void open() {
    super.open();
    GlueClientBuilder b =
        GlueClient.builder()
            .overrideConfiguration(
                o ->
                    o.apiCallAttemptTimeout(timeout)
                        // SchemaRegistry retries with its own backoff and attempt count
                        .retryStrategy(AwsRetryStrategy.doNotRetry()));
    if (region != null) {
      b.region(Region.of(region));
    }
    if (endpoint != null) {
      b.endpointOverride(URI.create(endpoint));
    }
    glue = b.build();
  }

  @Override
  public Frame frame(byte[] record) {
    if (record.length < HEADER) {
      throw fault(
          "a " + record.length + "-byte record is shorter than the Glue wire header (18 bytes)");
    }
    if (record[0] != HEADER_VERSION) {
      throw fault(
          String.format(
              "first byte is 0x%02x, not the Glue wire format's header version 0x03",
              record[0] & 0xff));
    }
    ByteBuffer b = ByteBuffer.wrap(record, 2, 16);
    String id = new UUID(b.getLong(), b.getLong()).toString();
    switch (record[1]) {
      case NO_COMPRESSION:
        return new Frame(id, record, HEADER);
      case ZLIB:
        return new Frame(id, inflate(record), 0);
      default:
        throw fault(
            String.format(
                "compression byte is 0x%02x; the Glue wire format defines 0x00 (none) and 0x05"
                    + " (zlib)",
                record[1] & 0xff));
    }
  }

  private static byte[] inflate(byte[] record) {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(record, HEADER, record.length - HEADER);
      ByteArrayOutputStream out = new ByteArrayOutputStream(record.length * 4);
      byte[] buffer = new byte[8192];
      while (!inflater.finished()) {
        int n = inflater.inflate(buffer);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw fault("the zlib body ends early");
        }
        out.write(buffer, 0, n);
        if (out.size() > MAX_INFLATED) {
          throw fault("the zlib body inflates past " + MAX_INFLATED + " bytes");
        }
      }
      if (inflater.getRemaining() > 0) {
        throw fault(inflater.getRemaining() + " bytes follow the zlib body");
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new StrictJson.Fault(
          Reason.MALFORMED_AVRO, "the zlib body is corrupt: " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
  }

  private static StrictJson.Fault fault(String message) {
    return new StrictJson.Fault(Reason.MALFORMED_AVRO, message);
  }

  @Override
  public String describe(String schemaRef) {
    return "schema version " + schemaRef;
  }

  @Override
  protected String fetch(String schemaRef) throws IOException {
    return call(GetSchemaVersionRequest.builder().schemaVersionId(schemaRef).build());
  }

  @Override
  protected String fetchLatest(String schemaName) throws IOException {
    return call(
        GetSchemaVersionRequest.builder()
            .schemaId(SchemaId.builder().registryName(registryName).schemaName(schemaName).build())
            .schemaVersionNumber(SchemaVersionNumber.builder().latestVersion(true).build())
            .build());
  }

  /** Error codes AWS answers to credentials it does not accept, or to a missing permission. */
  private static final Set<String> CREDENTIAL_ERRORS =
      Set.of(
          "AccessDeniedException",
          "UnrecognizedClientException",
          "InvalidSignatureException",
          "InvalidClientTokenId",
          "ExpiredTokenException",
          "SignatureDoesNotMatch");

  private static boolean refusedCredentials(GlueException e) {
    return e.statusCode() == 401
        || e.statusCode() == 403
        || (e.awsErrorDetails() != null
            && CREDENTIAL_ERRORS.contains(e.awsErrorDetails().errorCode()));
  }

  private String call(GetSchemaVersionRequest request) throws IOException {
    try {
      // another data format (JSON, PROTOBUF) fails to parse as Avro: that record's dead letter
      return glue.getSchemaVersion(request).schemaDefinition();
    } catch (EntityNotFoundException e) {
      return null;
    } catch (GlueException e) {
      if (refusedCredentials(e)) {
        throw new Refused(
            "Glue GetSchemaVersion: "
                + e.getMessage()
                + ": the AWS credentials from the SDK's default provider chain (environment,"
                + " system properties, profile, web identity, container or instance role) were"
                + " refused or may not read this schema. Give the job's role"
                + " glue:GetSchemaVersion on the registry and its schemas, or fix the credentials"
                + " in the chain");
      }
      if (e.isThrottlingException() || e.statusCode() >= 500) {
        throw new Transient("Glue GetSchemaVersion: " + e.getMessage());
      }
      throw new IOException("Glue GetSchemaVersion: " + e.getMessage(), e);
    } catch (SdkClientException e) {
      throw new Transient("Glue GetSchemaVersion: " + e.getMessage());
    }
  }
}
