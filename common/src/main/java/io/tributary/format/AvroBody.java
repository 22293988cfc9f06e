package io.tributary.format;

import io.tributary.quality.Reason;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

/**
 * Registry-framed Avro records as rows of the table's schema: each record is read with its own
 * writer schema, resolved to the table's (reader) schema. Whether a writer schema can be read that
 * way is decided once per schema and kept, like the schema itself.
 */
final class AvroBody implements JsonEventDecoder.BodyReader {
  private static final long serialVersionUID = 1L;

  private final SchemaRegistry registry;
  private final String readerSchema;
  private final RowType rowType;
  private transient Schema reader;
  private transient Map<String, Object> resolved; // a GenericDatumReader, or why not as a String

  AvroBody(SchemaRegistry registry, Schema readerSchema, RowType rowType) {
    this.registry = registry;
    this.readerSchema = readerSchema.toString();
    this.rowType = rowType;
  }

  @Override
  public void open() {
    registry.open();
    reader = new Schema.Parser().parse(readerSchema);
    resolved = new HashMap<>();
  }

  @Override
  public RowData read(byte[] value) {
    SchemaRegistry.Frame frame = registry.frame(value);
    Object how = resolved.get(frame.schemaRef);
    if (how == null) {
      how = resolve(frame.schemaRef);
      if (how == null) {
        throw new StrictJson.Fault(
            Reason.UNKNOWN_SCHEMA,
            "the registry has no "
                + registry.describe(frame.schemaRef)
                + " (deleted, or written against another registry)");
      }
      resolved.put(frame.schemaRef, how);
    }
    if (how instanceof String) {
      throw new StrictJson.Fault(Reason.SCHEMA_MISMATCH, (String) how);
    }
    @SuppressWarnings("unchecked")
    GenericDatumReader<GenericRecord> datumReader = (GenericDatumReader<GenericRecord>) how;
    GenericRecord record =
        AvroRows.read(datumReader, frame.body, frame.offset, registry.describe(frame.schemaRef));
    return AvroRows.row(record, rowType);
  }

  /** A reader for records of that writer schema, the reason it cannot be read, or null. */
  private Object resolve(String schemaRef) {
    Schema writer = registry.schema(schemaRef);
    if (writer == null) {
      return null; // not kept: the schema may be registered later, e.g. in another region first
    }
    String why =
        writer.getType() != Schema.Type.RECORD
            ? "its writer schema is a " + writer.getType() + ", not a record"
            : AvroRows.incompatibility(writer, reader);
    if (why != null) {
      return "the record's "
          + registry.describe(schemaRef)
          + " cannot be read as the table's schema: "
          + why;
    }
    return AvroRows.reader(writer, reader);
  }
}
