package io.tributary.cdc;

import io.tributary.cdc.ChangeEvent.Op;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;

/**
 * AWS DMS records as DMS writes them to Kinesis: {@code data}, an optional {@code before-image} and
 * {@code metadata} (record-type, operation, schema-name, table-name, timestamp, transaction-id).
 * Data records become {@link ChangeEvent}s; control records (create-table, drop-table, column
 * changes) become {@link Control}s and are never applied as rows.
 */
public final class DmsJson {
  private DmsJson() {}

  /** A DMS control record: a table definition or a DDL event for one table. */
  public static final class Control {
    public final String operation;
    public final TableId table;

    /** Column name to DMS type (INT32, STRING, DATETIME...), when DMS included them. */
    public final Map<String, String> columns;

    public final List<String> primaryKey;

    Control(String operation, TableId table, Map<String, String> columns, List<String> key) {
      this.operation = operation;
      this.table = table;
      this.columns = columns;
      this.primaryKey = key;
    }
  }

  /** Either a change or a control record. */
  public static final class Record {
    public final ChangeEvent change;
    public final Control control;

    Record(ChangeEvent change, Control control) {
      this.change = change;
      this.control = control;
    }
  }

  /**
   * @throws ChangeDecodeException with a dead-letter reason when the record cannot be used
   */
  public static Record decode(byte[] value) throws ChangeDecodeException {
    if (value != null && value.length == 0) {
      throw new ChangeDecodeException("empty", "a zero-byte value");
    }
    if (value == null) {
      throw new ChangeDecodeException("malformed-json", "not a JSON object but nothing");
    }
    JsonNode root = DebeziumJson.tree(value);
    JsonNode meta = root.path("metadata");
    String type = meta.path("record-type").asText(null);
    String operation = meta.path("operation").asText(null);
    String table = meta.path("table-name").asText(null);
    String schema = meta.path("schema-name").asText(null);
    if (type == null || operation == null) {
      throw new ChangeDecodeException(
          "missing-metadata", "no metadata.record-type or metadata.operation");
    }
    TableId id = table == null || table.isEmpty() ? null : new TableId(null, schema, table);
    if (type.equals("control")) {
      JsonNode def = root.path("control").path("table-def");
      Map<String, String> columns = new LinkedHashMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = def.path("columns").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> c = it.next();
        columns.put(c.getKey(), c.getValue().path("type").asText());
      }
      List<String> key = new ArrayList<>();
      def.path("primary-key").forEach(k -> key.add(k.asText()));
      return new Record(null, new Control(operation, id, columns, key));
    }
    if (!type.equals("data")) {
      throw new ChangeDecodeException(
          "unknown-record-type", "record-type '" + type + "'; DMS writes data or control");
    }
    if (id == null) {
      throw new ChangeDecodeException("missing-metadata", "a data record without table-name");
    }
    Op op;
    switch (operation) {
      case "load":
        op = Op.SNAPSHOT;
        break;
      case "insert":
        op = Op.INSERT;
        break;
      case "update":
        op = Op.UPDATE;
        break;
      case "delete":
        op = Op.DELETE;
        break;
      default:
        throw new ChangeDecodeException(
            "unknown-op",
            "operation '" + operation + "'; DMS data records are load, insert, update or delete");
    }
    Map<String, Object> data = row(root.get("data"), "data");
    if (data == null) {
      throw new ChangeDecodeException("missing-data", "a '" + operation + "' record without data");
    }
    Map<String, Object> before =
        op == Op.DELETE ? data : row(root.get("before-image"), "before-image");
    Map<String, Object> after = op == Op.DELETE ? null : data;
    long micros = timestampMicros(meta.get("timestamp"));
    return new Record(
        new ChangeEvent(
            op,
            id,
            before,
            after,
            List.of(),
            position(micros, meta),
            micros < 0 ? -1 : micros / 1000),
        null);
  }

  /** The commit time, which orders a key's changes; without it a change cannot be placed. */
  private static long timestampMicros(JsonNode v) throws ChangeDecodeException {
    if (v == null || v.isNull()) {
      throw new ChangeDecodeException(
          "bad-position", "metadata.timestamp is " + (v == null ? "missing" : "null"));
    }
    try {
      if (!v.isTextual()) {
        throw new IllegalArgumentException("not a string");
      }
      return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse(v.asText()));
    } catch (RuntimeException e) {
      throw new ChangeDecodeException(
          "bad-position",
          "metadata.timestamp = "
              + DebeziumJson.abbreviated(v)
              + " is not an ISO-8601 UTC time such as 2024-05-14T09:30:00.123456Z",
          e);
    }
  }

  /**
   * {timestamp, transaction-id}, and the record's offset within its transaction when DMS writes it
   * (IncludeTransactionDetails): two changes of one key in one transaction share the first two, and
   * only the offset tells which came last once a shard split lets them arrive out of order.
   */
  private static long[] position(long micros, JsonNode meta) throws ChangeDecodeException {
    long transaction = transactionId(meta);
    JsonNode offset = meta.get("transaction-record-id");
    if (offset == null || offset.isNull()) {
      return new long[] {micros, transaction};
    }
    return new long[] {
      micros,
      transaction,
      DebeziumJson.position(meta, "transaction-record-id", "metadata.transaction-record-id")
    };
  }

  /**
   * Orders changes of one commit time. DMS writes it only with IncludeTransactionDetails, and not
   * for full-load records, so absent or null is 0; anything else must be a usable position.
   */
  private static long transactionId(JsonNode meta) throws ChangeDecodeException {
    JsonNode v = meta.get("transaction-id");
    if (v == null || v.isNull()) {
      return 0;
    }
    return DebeziumJson.position(meta, "transaction-id", "metadata.transaction-id");
  }

  private static Map<String, Object> row(JsonNode image, String side) throws ChangeDecodeException {
    if (image == null || image.isNull()) {
      return null;
    }
    if (!image.isObject()) {
      throw new ChangeDecodeException(
          "malformed-json",
          "'" + side + "' is " + DebeziumJson.abbreviated(image) + ", not a JSON object");
    }
    Map<String, Object> row = ChangeEvent.image(image.size());
    Iterator<Map.Entry<String, JsonNode>> it = image.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> f = it.next();
      row.put(f.getKey(), DebeziumJson.value(f.getValue(), null, f.getKey()));
    }
    return row;
  }
}
