package io.tributary.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.quality.Reason;
import io.tributary.testing.HostileChanges;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** {@link StrictJson#readEnveloped} against {@link StrictJson#readObject}, whose rules it keeps. */
class StrictJsonTest {
  static final String SCHEMA =
      "{\"type\":\"struct\",\"fields\":[{\"field\":\"id\",\"type\":\"int64\"},"
          + "{\"field\":\"price\",\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\","
          + "\"parameters\":{\"scale\":\"2\"}}]}";

  static byte[] message(String schema, String payload) {
    return ("{\"schema\":" + schema + ",\"payload\":" + payload + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aRepeatedSchemaIsOneTreeAndEveryRecordEqualsTheFullParse() {
    byte[] first = message(SCHEMA, "{\"id\":1,\"price\":\"AQ==\"}");
    byte[] second = message(SCHEMA, "{\"id\":2,\"price\":null}");
    JsonNode a = StrictJson.readEnveloped(first);
    JsonNode b = StrictJson.readEnveloped(second);
    assertThat(b.get("schema")).isSameAs(a.get("schema"));
    assertThat(a).isEqualTo(StrictJson.readObject(first));
    assertThat(b).isEqualTo(StrictJson.readObject(second));
    assertThat(b.get("payload").get("id").asLong()).isEqualTo(2);

    // one byte more in the schema is another schema
    byte[] other = message(SCHEMA.replace("\"scale\":\"2\"", "\"scale\":\"3\""), "{\"id\":3}");
    JsonNode c = StrictJson.readEnveloped(other);
    assertThat(c.get("schema"))
        .isNotSameAs(a.get("schema"))
        .isEqualTo(StrictJson.readObject(other).get("schema"));
    assertThat(c.get("schema").get("fields").get(1).get("parameters").get("scale").asText())
        .isEqualTo("3");
  }

  @Test
  void aKnownSchemaWithAFaultInsideIsStillRefused() {
    StrictJson.readEnveloped(message(SCHEMA, "{\"id\":1}"));
    String duplicate =
        SCHEMA.replace("\"type\":\"struct\"", "\"type\":\"struct\",\"type\":\"struct\"");
    assertThatThrownBy(() -> StrictJson.readEnveloped(message(duplicate, "{\"id\":1}")))
        .isInstanceOfSatisfying(
            StrictJson.Fault.class, f -> assertThat(f.reason).isEqualTo(Reason.DUPLICATE_FIELD));
    byte[] whole = message(SCHEMA, "{\"id\":1}");
    byte[] truncated = java.util.Arrays.copyOf(whole, SCHEMA.length());
    assertThatThrownBy(() -> StrictJson.readEnveloped(truncated))
        .isInstanceOfSatisfying(
            StrictJson.Fault.class, f -> assertThat(f.reason).isEqualTo(Reason.TRUNCATED_JSON));
    for (String trailing : List.of(",}", ", }", ",\n}", ",")) {
      byte[] comma = ("{\"schema\":" + SCHEMA + trailing).getBytes(StandardCharsets.UTF_8);
      assertThatThrownBy(() -> StrictJson.readEnveloped(comma))
          .as(trailing)
          .isInstanceOf(StrictJson.Fault.class)
          .hasMessage(outcomeMessage(comma));
    }
    byte[] twice =
        ("{\"schema\":" + SCHEMA + ",\"schema\":" + SCHEMA + ",\"payload\":{}}")
            .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> StrictJson.readEnveloped(twice))
        .isInstanceOfSatisfying(
            StrictJson.Fault.class, f -> assertThat(f.reason).isEqualTo(Reason.DUPLICATE_FIELD))
        .hasMessage(outcomeMessage(twice));
    assertThatThrownBy(() -> StrictJson.readEnveloped(message(SCHEMA, "{\"id\":1} x")))
        .isInstanceOfSatisfying(
            StrictJson.Fault.class, f -> assertThat(f.reason).isEqualTo(Reason.MALFORMED_JSON));
  }

  /**
   * Every record of the hostile Debezium corpus (enveloped and not, valid and not), read twice so
   * the second reading meets cached schemas: the same tree as the full parse, or the same fault
   * with the same words.
   */
  @Test
  void theHostileCorpusReadsAsTheFullParseDoes() {
    List<HostileChanges.Case> cases =
        HostileChanges.debezium(Instant.parse("2026-01-01T00:00:00Z"), 1, 300, 300);
    List<byte[]> values = new ArrayList<>();
    cases.forEach(c -> values.add(c.value));
    cases.forEach(c -> values.add(c.value));
    int faults = 0;
    for (byte[] v : values) {
      if (v == null || v.length == 0) {
        continue;
      }
      Object full = outcome(() -> StrictJson.readObject(v));
      Object enveloped = outcome(() -> StrictJson.readEnveloped(v));
      assertThat(enveloped).as(new String(v, StandardCharsets.UTF_8)).isEqualTo(full);
      if (full instanceof String) {
        faults++;
      }
    }
    assertThat(faults).as("record faults in the corpus").isGreaterThan(20);
  }

  /**
   * The trees refuse a key twice themselves (not the tokenizer); the dead letter says what {@code
   * ingest}'s tokenizer says, at any depth, enveloped or not.
   */
  @Test
  void aKeyTwiceIsRefusedInTheTokenizersWords() {
    for (String json :
        List.of(
            "{\"id\":1,\"id\":2}",
            "{\"a\":{\"b\":[{\"id\":1,\"x\":{},\"id\":2}]}}",
            "{\"schema\":{},\"payload\":{\"id\":1,\"id\":2}}",
            "{\"schema\":" + SCHEMA + ",\"payload\":{},\"payload\":{}}")) {
      byte[] v = json.getBytes(StandardCharsets.UTF_8);
      String tokenizer;
      try (org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParser p =
          StrictJson.FACTORY.createParser(v)) {
        while (p.nextToken() != null) {
          p.skipChildren();
        }
        throw new AssertionError("the tokenizer accepted " + json);
      } catch (java.io.IOException e) {
        tokenizer = StrictJson.syntaxError(e).getMessage();
      }
      assertThat(tokenizer).startsWith("Duplicate field '");
      for (int read = 0; read < 2; read++) { // the second time with the schema known
        assertThatThrownBy(() -> StrictJson.readEnveloped(v))
            .as(json)
            .isInstanceOfSatisfying(
                StrictJson.Fault.class, f -> assertThat(f.reason).isEqualTo(Reason.DUPLICATE_FIELD))
            .hasMessage(tokenizer);
      }
      assertThatThrownBy(() -> StrictJson.readObject(v)).hasMessage(tokenizer);
    }
  }

  private static String outcomeMessage(byte[] v) {
    try {
      StrictJson.readObject(v);
      throw new AssertionError("readObject accepted " + new String(v, StandardCharsets.UTF_8));
    } catch (StrictJson.Fault f) {
      return f.getMessage();
    }
  }

  private static Object outcome(java.util.function.Supplier<JsonNode> read) {
    try {
      return read.get();
    } catch (StrictJson.Fault f) {
      return f.reason + ": " + f.getMessage();
    }
  }
}
