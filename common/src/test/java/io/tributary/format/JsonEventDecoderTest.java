package io.tributary.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.Configs;
import io.tributary.quality.DeadLetter;
import io.tributary.source.RawRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.table.data.RowData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JsonEventDecoderTest {
  static final long NOW = Instant.parse("2026-11-25T12:00:00Z").toEpochMilli();

  private final List<DeadLetter> dead = new ArrayList<>();
  private JsonEventDecoder decoder;

  @BeforeEach
  void setUp() throws Exception {
    EventSchema schema =
        EventSchema.fromConfig(
            Configs.of(
                    "format.schema",
                    "id STRING NOT NULL, user_id STRING NOT NULL, amount DECIMAL(10, 2), qty INT,"
                        + " ts TIMESTAMP_LTZ(3) NOT NULL",
                    "format.event-time.field",
                    "ts",
                    "format.event-time.max-future",
                    "1 h",
                    "format.event-time.max-past",
                    "30 d",
                    "format.max-record-size",
                    "1mb")
                .group(FormatOptions.GROUP));
    decoder = new JsonEventDecoder(schema, "test");
    decoder.open();
  }

  private RowData decode(byte[] value) {
    return decoder.decode(
        new RawRecord("kafka", "events", "3", "42", 1000L, null, value), NOW, dead::add);
  }

  private RowData decode(String json) {
    return decode(json == null ? null : json.getBytes(StandardCharsets.UTF_8));
  }

  private DeadLetter rejected(String json) {
    return rejected(json == null ? null : json.getBytes(StandardCharsets.UTF_8));
  }

  private DeadLetter rejected(byte[] value) {
    dead.clear();
    assertThat(decode(value)).isNull();
    assertThat(dead).hasSize(1);
    DeadLetter d = dead.get(0);
    assertThat(d.job).isEqualTo("test");
    assertThat(d.sourceType).isEqualTo("kafka");
    assertThat(d.stream).isEqualTo("events");
    assertThat(d.partition).isEqualTo("3");
    assertThat(d.position).isEqualTo("42");
    assertThat(d.processingTime).isEqualTo(NOW);
    assertThat(d.payload).isEqualTo(value);
    return d;
  }

  @Test
  void decodesAValidEventFieldByField() {
    RowData row =
        decode(
            "{\"id\":\"a\",\"user_id\":\"u1\",\"amount\":12.5,\"qty\":3,"
                + "\"ts\":\"2026-11-25T11:59:00.123Z\",\"extra\":[1,2]}");
    assertThat(dead).isEmpty();
    assertThat(row.getString(0).toString()).isEqualTo("a");
    assertThat(row.getString(1).toString()).isEqualTo("u1");
    assertThat(row.getDecimal(2, 10, 2).toBigDecimal()).isEqualTo(new BigDecimal("12.50"));
    assertThat(row.getInt(3)).isEqualTo(3);
    assertThat(row.getTimestamp(4, 3).getMillisecond())
        .isEqualTo(Instant.parse("2026-11-25T11:59:00.123Z").toEpochMilli());
    assertThat(decoder.eventTime(row))
        .isEqualTo(Instant.parse("2026-11-25T11:59:00.123Z").toEpochMilli());
  }

  @Test
  void optionalFieldsMayBeAbsent() {
    RowData row = decode("{\"id\":\"a\",\"user_id\":\"u1\",\"ts\":\"2026-11-25T11:59:00Z\"}");
    assertThat(dead).isEmpty();
    assertThat(row.isNullAt(2)).isTrue();
    assertThat(row.isNullAt(3)).isTrue();
  }

  @Test
  void malformedJson() {
    DeadLetter d = rejected("this is not json");
    assertThat(d.reason).isEqualTo("malformed-json");
    assertThat(d.errorMessage).startsWith("not valid JSON: Unrecognized token 'this'");
  }

  @Test
  void jsonThatIsNotAnObject() {
    DeadLetter d = rejected("[1, 2, 3]");
    assertThat(d.reason).isEqualTo("malformed-json");
    assertThat(d.errorMessage).contains("not a JSON object");
  }

  @Test
  void truncatedJsonInsideAValue() {
    DeadLetter d = rejected("{\"id\":\"a\",\"user_id\":\"u");
    assertThat(d.reason).as(d.errorClass + ": " + d.errorMessage).isEqualTo("truncated-json");
    assertThat(d.errorMessage).startsWith("JSON ends early");
  }

  @Test
  void truncatedJsonBetweenFields() {
    DeadLetter d = rejected("{\"id\":\"a\",\"user_id\":\"u1\",");
    assertThat(d.reason).as(d.errorClass + ": " + d.errorMessage).isEqualTo("truncated-json");
  }

  @Test
  void wrongTypeNamesTheField() {
    DeadLetter d =
        rejected(
            "{\"id\":\"a\",\"user_id\":\"u1\",\"qty\":\"three\",\"ts\":\"2026-11-25T11:59:00Z\"}");
    assertThat(d.reason).isEqualTo("wrong-type");
    assertThat(d.errorMessage).contains("qty");
  }

  @Test
  void wrongTypeForADecimal() {
    DeadLetter d =
        rejected(
            "{\"id\":\"a\",\"user_id\":\"u1\",\"amount\":\"lots\",\"ts\":\"2026-11-25T11:59:00Z\"}");
    assertThat(d.reason).isEqualTo("wrong-type");
    assertThat(d.errorMessage).contains("amount");
  }

  @Test
  void missingRequiredField() {
    DeadLetter d = rejected("{\"id\":\"a\",\"ts\":\"2026-11-25T11:59:00Z\"}");
    assertThat(d.reason).isEqualTo("missing-field");
    assertThat(d.errorMessage).isEqualTo("required field 'user_id' is missing or null");
  }

  @Test
  void explicitNullInRequiredField() {
    DeadLetter d = rejected("{\"id\":\"a\",\"user_id\":null,\"ts\":\"2026-11-25T11:59:00Z\"}");
    assertThat(d.reason).isEqualTo("missing-field");
  }

  @Test
  void nullEventTime() {
    DeadLetter d = rejected("{\"id\":\"a\",\"user_id\":\"u1\",\"ts\":null}");
    assertThat(d.reason).isEqualTo("missing-event-time");
    assertThat(d.errorMessage).contains("'ts'");
  }

  @Test
  void absurdEventTimeInThePast() {
    DeadLetter d = rejected("{\"id\":\"a\",\"user_id\":\"u1\",\"ts\":\"1970-01-01T00:00:00Z\"}");
    assertThat(d.reason).isEqualTo("event-time-out-of-bounds");
    assertThat(d.eventTime).isEqualTo(0L);
    assertThat(d.errorMessage).contains("1970-01-01T00:00:00Z").contains("[now - 30 d, now + 1 h]");
  }

  @Test
  void eventTimeFarInTheFuture() {
    DeadLetter d = rejected("{\"id\":\"a\",\"user_id\":\"u1\",\"ts\":\"2099-01-01T00:00:00Z\"}");
    assertThat(d.reason).isEqualTo("event-time-out-of-bounds");
    assertThat(d.eventTime).isEqualTo(Instant.parse("2099-01-01T00:00:00Z").toEpochMilli());
  }

  @Test
  void unparseableEventTime() {
    DeadLetter d = rejected("{\"id\":\"a\",\"user_id\":\"u1\",\"ts\":\"yesterday\"}");
    assertThat(d.reason).isEqualTo("wrong-type");
    assertThat(d.errorMessage).contains("ts");
  }

  @Test
  void oversizedRecordIsNotParsed() {
    byte[] big = new byte[1024 * 1024 + 1];
    Arrays.fill(big, (byte) ' ');
    big[0] = '{';
    big[big.length - 1] = '}';
    DeadLetter d = rejected(big);
    assertThat(d.reason).isEqualTo("too-large");
    assertThat(d.errorMessage).contains("1048577 bytes").contains("format.max-record-size");
  }

  @Test
  void invalidUtf8() {
    byte[] bytes =
        "{\"id\":\"a\",\"user_id\":\"u?\",\"ts\":\"2026-11-25T11:59:00Z\"}"
            .getBytes(StandardCharsets.UTF_8);
    bytes[23] = (byte) 0xC3; // a lead byte followed by an ASCII quote: invalid
    DeadLetter d = rejected(bytes);
    assertThat(d.reason).isEqualTo("invalid-utf8");
  }

  @Test
  void emptyMessage() {
    assertThat(rejected(new byte[0]).reason).isEqualTo("empty");
  }

  @Test
  void tombstone() {
    DeadLetter d = rejected((byte[]) null);
    assertThat(d.reason).isEqualTo("tombstone");
  }

  @Test
  void validUtf8BeyondAsciiIsKept() {
    RowData row = decode("{\"id\":\"ä€😀\",\"user_id\":\"u1\",\"ts\":\"2026-11-25T11:59:00Z\"}");
    assertThat(dead).isEmpty();
    assertThat(row.getString(0).toString()).isEqualTo("ä€😀");
  }
}
