package io.tributary.format;

import io.tributary.quality.Reason;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

/**
 * Registry-framed Avro records read with their own writer schemas, for formats that take the
 * producer's schema as it comes (Debezium's envelope, whose columns the cdc table evolves to).
 */
public final class AvroFrames implements Serializable {
  private static final long serialVersionUID = 1L;

  private final SchemaRegistry registry;
  private transient Map<String, GenericDatumReader<GenericRecord>> readers;

  public AvroFrames(SchemaRegistry registry) {
    this.registry = registry;
  }

  public void open() {
    registry.open();
    readers = new HashMap<>();
  }

  /**
   * The record, with the schema that wrote it.
   *
   * @throws StrictJson.Fault malformed-avro when the bytes are not the wire format or do not match
   *     their schema; unknown-schema when the registry does not know the schema they name
   * @throws SchemaRegistry.Unavailable when the registry cannot be reached within the retries
   */
  public GenericRecord read(byte[] value) {
    SchemaRegistry.Frame frame = registry.frame(value);
    GenericDatumReader<GenericRecord> reader = readers.get(frame.schemaRef);
    if (reader == null) {
      Schema writer = registry.schema(frame.schemaRef);
      if (writer == null) {
        throw new StrictJson.Fault(
            Reason.UNKNOWN_SCHEMA,
            "the registry has no "
                + registry.describe(frame.schemaRef)
                + " (deleted, or written against another registry)");
      }
      if (writer.getType() != Schema.Type.RECORD) {
        throw new StrictJson.Fault(
            Reason.MALFORMED_AVRO,
            "the "
                + registry.describe(frame.schemaRef)
                + " is a "
                + writer.getType()
                + ", not a record");
      }
      reader = AvroRows.reader(writer, writer);
      readers.put(frame.schemaRef, reader);
    }
    return AvroRows.read(reader, frame.body, frame.offset, registry.describe(frame.schemaRef));
  }
}
