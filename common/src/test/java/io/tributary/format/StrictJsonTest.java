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

  /**
   * The byte checks, eight bytes at a time where they can, say exactly what a check of one byte at
   * a time says: the same fault at the same offset, the same escapes seen, over records mixing
   * ASCII, backslashes, NUL and multi-byte UTF-8 at every alignment.
   */
  @Test
  void theByteChecksAgreeWithAByteAtATime() {
    byte[][] parts = {
      "a".getBytes(StandardCharsets.UTF_8),
      "{\"k\":".getBytes(StandardCharsets.UTF_8),
      "\\".getBytes(StandardCharsets.UTF_8),
      "é".getBytes(StandardCharsets.UTF_8),
      "日".getBytes(StandardCharsets.UTF_8),
      {0},
      {(byte) 0xC3}, // a lone lead byte
      {0x7F},
      {(byte) 0xFF}
    };
    java.util.SplittableRandom r = new java.util.SplittableRandom(7);
    StrictJson strict = new StrictJson();
    for (int n = 0; n < 20_000; n++) {
      java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
      int pieces = r.nextInt(40);
      for (int p = 0; p < pieces; p++) {
        // mostly plain ASCII, so that whole clean words occur
        byte[] part = r.nextInt(4) > 0 ? parts[0] : parts[r.nextInt(parts.length)];
        b.write(part, 0, part.length);
      }
      byte[] v = b.toByteArray();
      String expected = byteAtATime(v);
      String actual;
      try {
        strict.checkBytes(v);
        actual = "ok, escapes " + strict.hadBackslash();
      } catch (StrictJson.Fault f) {
        actual = f.reason + ": " + f.getMessage();
      }
      assertThat(actual).as(java.util.Arrays.toString(v)).isEqualTo(expected);
    }
  }

  /** The checks as one loop over every byte: the reference. */
  private static String byteAtATime(byte[] v) {
    boolean ascii = true;
    boolean escapes = false;
    for (int i = 0; i < v.length; i++) {
      if (v[i] < 0) {
        ascii = false;
      } else if (v[i] == 0) {
        int zeros = 0;
        for (byte x : v) {
          zeros += x == 0 ? 1 : 0;
        }
        return zeros * 3 >= v.length
            ? Reason.INVALID_UTF8 + ": record is UTF-16 or UTF-32, not UTF-8"
            : Reason.MALFORMED_JSON
                + ": a NUL byte at offset "
                + i
                + " (JSON allows it only escaped, inside a string)";
      } else if (v[i] == '\\') {
        escapes = true;
      }
    }
    if (!ascii) {
      try {
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(v));
      } catch (java.nio.charset.CharacterCodingException e) {
        return Reason.INVALID_UTF8 + ": record is not valid UTF-8: " + e;
      }
    }
    return "ok, escapes " + escapes;
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
