package io.tributary.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * The Confluent wire format over an in-memory registry: schemas by id, and a number of transient
 * failures to answer before the next request succeeds.
 */
public final class FakeRegistry extends SchemaRegistry {
  private static final long serialVersionUID = 1L;
  public static final Map<Integer, String> SCHEMAS = new ConcurrentHashMap<>();
  public static final Map<String, String> SUBJECTS = new ConcurrentHashMap<>();
  public static final AtomicInteger FAILURES = new AtomicInteger();
  public static final AtomicInteger REQUESTS = new AtomicInteger();
  private final ConfluentRegistry wire;

  public FakeRegistry(int attempts) {
    super(Duration.ofMillis(1), Duration.ofMillis(4), attempts);
    wire =
        new ConfluentRegistry(
            "http://unused", Duration.ofSeconds(1), Duration.ofMillis(1), Duration.ofMillis(1), 1);
  }

  public static void reset() {
    SCHEMAS.clear();
    SUBJECTS.clear();
    FAILURES.set(0);
    REQUESTS.set(0);
  }

  @Override
  public Frame frame(byte[] record) {
    return wire.frame(record);
  }

  @Override
  public String describe(String schemaRef) {
    return wire.describe(schemaRef);
  }

  @Override
  protected String fetch(String schemaRef) throws IOException {
    REQUESTS.incrementAndGet();
    if (FAILURES.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new Transient("connection refused");
    }
    return SCHEMAS.get(Integer.parseInt(schemaRef));
  }

  @Override
  protected String fetchLatest(String subject) throws IOException {
    return SUBJECTS.get(subject);
  }

  /** A record in the Confluent wire format. */
  public static byte[] confluent(int id, GenericRecord record) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(5).put((byte) 0).putInt(id).array());
    out.writeBytes(avro(record));
    return out.toByteArray();
  }

  /**
   * A body in the AWS Glue Schema Registry wire format: header version 3, compression (0 none, 5
   * zlib, the body then deflated here), the schema version id.
   */
  public static byte[] glue(java.util.UUID id, byte compression, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(3);
    out.write(compression);
    out.writeBytes(
        ByteBuffer.allocate(16)
            .putLong(id.getMostSignificantBits())
            .putLong(id.getLeastSignificantBits())
            .array());
    out.writeBytes(body);
    return out.toByteArray();
  }

  /** A record in the Glue wire format, zlib-compressed or not. */
  public static byte[] glue(java.util.UUID id, boolean zlib, GenericRecord record) {
    byte[] body = avro(record);
    if (!zlib) {
      return glue(id, (byte) 0, body);
    }
    java.util.zip.Deflater deflater = new java.util.zip.Deflater();
    deflater.setInput(body);
    deflater.finish();
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    while (!deflater.finished()) {
      z.write(buffer, 0, deflater.deflate(buffer));
    }
    deflater.end();
    return glue(id, (byte) 5, z.toByteArray());
  }

  /** A record's Avro binary body. */
  public static byte[] avro(GenericRecord record) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
      new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, e);
      e.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Schema parse(String json) {
    return new Schema.Parser().parse(json);
  }
}
