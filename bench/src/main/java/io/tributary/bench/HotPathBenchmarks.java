package io.tributary.bench;

import io.tributary.cdc.CdcOptions;
import io.tributary.cdc.CdcTables;
import io.tributary.cdc.ChangeEvent;
import io.tributary.cdc.ChangeRows;
import io.tributary.cdc.DebeziumJson;
import io.tributary.cdc.DmsJson;
import io.tributary.cdc.RowChange;
import io.tributary.cdc.RowChangeSerializer;
import io.tributary.config.ConfigLoader;
import io.tributary.config.TributaryConfig;
import io.tributary.format.EventSchema;
import io.tributary.format.FormatOptions;
import io.tributary.format.JsonEventDecoder;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.jobs.TributaryOptions;
import io.tributary.source.EcommerceEvents;
import io.tributary.source.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonParserRowDataDeserializationSchema;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;
import org.apache.flink.types.RowKind;
import org.apache.flink.types.StringValue;
import org.apache.flink.util.UserCodeClassLoader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-record hot paths, each next to a baseline on the same bytes: Jackson's tree parse is what
 * reading the JSON costs at least, so the ratio says what decoding adds on top.
 *
 * <p>Run (never part of the build's tests): see docs/benchmarks.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class HotPathBenchmarks {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RawRecord event;
  private JsonEventDecoder decoder;
  private JsonParserRowDataDeserializationSchema flinkJson;
  private byte[] debeziumEnveloped;
  private byte[] debeziumPlain;
  private byte[] dms;
  private ChangeRows rows;
  private ChangeRows benchRows;
  private byte[] benchUpdate;
  private byte[] benchKey;
  private RowChange change;
  private RowChangeSerializer changes;
  private FieldByField changesBefore;
  private final DataOutputSerializer out = new DataOutputSerializer(4096);
  private final DataInputDeserializer in = new DataInputDeserializer();

  static byte[] sample(String file, int line) throws java.io.IOException {
    java.nio.file.Path p = java.nio.file.Path.of("common/src/test/resources/cdc", file);
    if (!java.nio.file.Files.exists(p)) {
      throw new IllegalStateException("run from the repository root: " + p + " not found");
    }
    return java.nio.file.Files.readAllLines(p).get(line).getBytes(StandardCharsets.UTF_8);
  }

  static CdcTables cdcTables(TributaryConfig c) {
    return CdcTables.fromConfig(
        c.group(CdcOptions.GROUP), c.group(IcebergOptions.GROUP).get(IcebergOptions.DATABASE));
  }

  static TributaryConfig config(String... args) {
    ConfigLoader.Loaded loaded = ConfigLoader.load(args);
    return TributaryConfig.validate(loaded.groups, TributaryOptions.ALL);
  }

  @Setup
  public void setUp() throws Exception {
    TributaryConfig ingest =
        config("--format.schema", EcommerceEvents.SCHEMA, "--format.event-time.field", "ts");
    decoder =
        new JsonEventDecoder(EventSchema.fromConfig(ingest.group(FormatOptions.GROUP)), "ingest");
    decoder.open();
    // what ingest decoded with before its strict reader: Flink's lenient streaming converter
    flinkJson =
        new JsonParserRowDataDeserializationSchema(
            EventSchema.parse(EcommerceEvents.SCHEMA),
            InternalTypeInfo.of(EventSchema.parse(EcommerceEvents.SCHEMA)),
            false,
            false,
            TimestampFormat.ISO_8601);
    flinkJson.open(
        new DeserializationSchema.InitializationContext() {
          @Override
          public MetricGroup getMetricGroup() {
            return UnregisteredMetricsGroup.createOperatorMetricGroup();
          }

          @Override
          public UserCodeClassLoader getUserCodeClassLoader() {
            return null;
          }
        });
    byte[] value =
        new EcommerceEvents(7, System.currentTimeMillis(), 1000, 0, 0)
            .event(42)
            .getBytes(StandardCharsets.UTF_8);
    event = new RawRecord("kafka", "clicks", "0", "1", -1, null, value);
    // Debezium's and DMS's own samples (the test data of common), one change each
    debeziumEnveloped = sample("debezium/debezium-postgres-data-schema-include.txt", 11);
    debeziumPlain = sample("debezium/debezium-postgres-data-schema-exclude.txt", 11);
    dms = sample("dms/orders-sample.jsonl", 16);
    rows =
        new ChangeRows(
            cdcTables(
                config(
                    "--cdc.format",
                    "dms-json",
                    "--cdc.primary-keys",
                    "products=id; sales.orders=order_id; sales.customers=customer_id")));
    // an update as the cdc benchmark's workload writes it: no envelope, both images, the key
    // columns named by the message key only
    benchRows = new ChangeRows(cdcTables(config("--cdc.format", "debezium-json")));
    benchUpdate =
        ("{\"before\":"
                + BENCH_ROW_V0
                + ",\"after\":"
                + BENCH_ROW_V1
                + ",\"source\":{"
                + "\"version\":\"2.7.0.Final\",\"connector\":\"postgresql\",\"name\":\"shop\","
                + "\"ts_ms\":1714557600123,\"snapshot\":\"false\",\"db\":\"shop\","
                + "\"schema\":\"public\",\"table\":\"customers\",\"txId\":340206,"
                + "\"lsn\":33000040},\"op\":\"u\",\"ts_ms\":1714557600126}")
            .getBytes(StandardCharsets.UTF_8);
    benchKey = "{\"id\":4217}".getBytes(StandardCharsets.UTF_8);
    // the Debezium sample as a row change, as it crosses the network from decoder to guard
    change =
        new ChangeRows(cdcTables(config("--cdc.format", "debezium-json")))
            .convert(DebeziumJson.decode(debeziumPlain), List.of("id"), "kafka:t/0@0")
            .get(0);
    changes = new RowChangeSerializer();
    changesBefore = new FieldByField();
  }

  /** Baseline: Jackson's tree parse of the e-commerce event (about 250 bytes). */
  @Benchmark
  public Object eventJacksonTree() throws Exception {
    return JSON.readTree(event.value);
  }

  /**
   * Baseline: Flink's own (lenient) JSON-to-RowData converter on the same event, what the decoder
   * used before it became strict; no UTF-8, size, NOT NULL or event-time checks.
   */
  @Benchmark
  public RowData eventFlinkJsonConverter() throws Exception {
    return flinkJson.deserialize(event.value);
  }

  /** ingest and aggregate: JSON to RowData against the declared schema, with validation. */
  @Benchmark
  public RowData eventToRowData() {
    return decoder.decode(event, System.currentTimeMillis(), d -> {});
  }

  /** Baseline: Jackson's tree parse of a Debezium change with its schema (about 2.5 KB). */
  @Benchmark
  public Object debeziumJacksonTree() throws Exception {
    return JSON.readTree(debeziumEnveloped);
  }

  /** cdc: Debezium JSON with the envelope, decoded with its encodings, then typed row changes. */
  @Benchmark
  public Object debeziumEnvelopedToRowChanges() throws Exception {
    ChangeEvent e = DebeziumJson.decode(debeziumEnveloped);
    return rows.convert(e, List.of(), "kafka:t/0@0");
  }

  private static final String BENCH_ROW_V0 =
      "{\"id\":4217,\"name\":\"Customer 4217 v0\",\"email\":\"customer4217@example.com\","
          + "\"city\":\"Porto\",\"balance\":81234.07,\"updated_at\":1714557600001,\"vip\":true}";
  private static final String BENCH_ROW_V1 =
      "{\"id\":4217,\"name\":\"Customer 4217 v1\",\"email\":\"customer4217@example.com\","
          + "\"city\":\"Porto\",\"balance\":7713.52,\"updated_at\":1714557600123,\"vip\":false}";

  /**
   * cdc: the benchmark harness's change (an update with both images, about 450 bytes, its key
   * columns named by the message key), decoded and typed as the decoder stage does it.
   */
  @Benchmark
  public Object debeziumBenchUpdate() throws Exception {
    ChangeEvent e = DebeziumJson.decode(benchUpdate);
    return benchRows.convert(e, () -> DebeziumJson.keyColumns(benchKey), "kafka:t/0@0");
  }

  private final io.tributary.format.StrictJson strict = new io.tributary.format.StrictJson();

  /** Both jobs: the record checks before parsing (UTF-8, NUL), on the benchmark's change. */
  @Benchmark
  public boolean recordBytesChecked() {
    strict.checkBytes(benchUpdate);
    return strict.hadBackslash();
  }

  /** cdc: Debezium JSON without the envelope (about 600 bytes). */
  @Benchmark
  public Object debeziumPlainToRowChanges() throws Exception {
    ChangeEvent e = DebeziumJson.decode(debeziumPlain);
    return rows.convert(e, List.of(), "kafka:t/0@0");
  }

  /** cdc: an AWS DMS update with a before image. */
  @Benchmark
  public Object dmsToRowChanges() throws Exception {
    DmsJson.Record r = DmsJson.decode(dms);
    return rows.convert(r.change, List.of(), "kinesis:s/0@0");
  }

  /**
   * Baseline: a row change written and read as {@link RowChangeSerializer} did before {@code
   * RepeatedString}: each string with {@link StringValue}, the type text read into a new string and
   * looked up in a map, per change. The same bytes.
   */
  static final class FieldByField {
    private final Map<String, RowDataSerializer> byText = new HashMap<>();
    private final Map<String, RowType> types = new HashMap<>();
    private final Map<RowType, String> textOf = new java.util.IdentityHashMap<>();

    void serialize(RowChange c, DataOutputSerializer out) throws java.io.IOException {
      StringValue.writeString(c.table, out);
      StringValue.writeString(c.key, out);
      out.writeByte(c.kind.toByteValue());
      out.writeByte(c.position.length);
      for (long p : c.position) {
        out.writeLong(p);
      }
      out.writeByte(c.keyColumns.length);
      for (String k : c.keyColumns) {
        StringValue.writeString(k, out);
      }
      String text = textOf.computeIfAbsent(c.type, RowType::asSerializableString);
      StringValue.writeString(text, out);
      rows(text).serialize(c.row, out);
      StringValue.writeString(c.origin, out);
    }

    RowChange deserialize(DataInputDeserializer in) throws java.io.IOException {
      String table = StringValue.readString(in);
      String key = StringValue.readString(in);
      RowKind kind = RowKind.fromByteValue(in.readByte());
      long[] position = new long[in.readByte()];
      for (int i = 0; i < position.length; i++) {
        position[i] = in.readLong();
      }
      String[] keyColumns = new String[in.readByte()];
      for (int i = 0; i < keyColumns.length; i++) {
        keyColumns[i] = StringValue.readString(in);
      }
      String text = StringValue.readString(in);
      RowData row = rows(text).deserialize(in);
      String origin = StringValue.readString(in);
      return new RowChange(table, key, kind, position, keyColumns, types.get(text), row, origin);
    }

    private RowDataSerializer rows(String text) {
      RowDataSerializer s = byText.get(text);
      if (s == null) {
        RowType t = (RowType) LogicalTypeParser.parse(text, FieldByField.class.getClassLoader());
        types.put(text, t);
        s = new RowDataSerializer(t);
        byText.put(text, s);
      }
      return s;
    }
  }

  /**
   * Baseline: a row change through the network format, field by field (see {@link FieldByField}).
   */
  @Benchmark
  public RowChange rowChangeFieldByField() throws Exception {
    out.clear();
    changesBefore.serialize(change, out);
    in.setBuffer(out.getSharedBuffer(), 0, out.length());
    return changesBefore.deserialize(in);
  }

  /** cdc: a row change written and read by {@link RowChangeSerializer}, as decoder to guard. */
  @Benchmark
  public RowChange rowChangeSerializer() throws Exception {
    out.clear();
    changes.serialize(change, out);
    in.setBuffer(out.getSharedBuffer(), 0, out.length());
    return changes.deserialize(in);
  }
}
