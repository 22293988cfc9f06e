package io.tributary.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.StringValue;
import org.junit.jupiter.api.Test;

/** {@link RepeatedString} writes and reads exactly {@link StringValue}'s format. */
class RepeatedStringTest {
  private static final List<String> VALUES =
      Arrays.asList(
          "customers",
          "customers",
          null,
          "",
          "ROW<`id` BIGINT NOT NULL, `name` VARCHAR(2147483647)>",
          "ROW<`id` BIGINT NOT NULL, `name` VARCHAR(2147483647)>",
          "é",
          "日本語のテーブル",
          "\uD83D\uDE00 and a lone \uD800",
          "x".repeat(126),
          "x".repeat(127),
          "x".repeat(128),
          "é".repeat(20_000),
          "customers",
          "customers",
          "customerz", // as long as the last, one byte apart
          "customers",
          "customeré", // as long, its last char two bytes
          "customers",
          "x".repeat(300) + "\u0080",
          "x".repeat(300) + "\u0081",
          "\uFFFF" + "x".repeat(10),
          "table\u007F",
          "customers");

  @Test
  void writesTheBytesStringValueWrites() throws Exception {
    RepeatedString repeated = new RepeatedString();
    DataOutputSerializer ours = new DataOutputSerializer(64);
    DataOutputSerializer flinks = new DataOutputSerializer(64);
    for (String v : VALUES) {
      repeated.write(v, ours);
      // an equal string of another instance is written the same
      repeated.write(v == null ? null : new String(v), ours);
      StringValue.writeString(v, flinks);
      StringValue.writeString(v, flinks);
    }
    assertThat(ours.getCopyOfBuffer()).isEqualTo(flinks.getCopyOfBuffer());
  }

  @Test
  void readsWhatStringValueWroteAndKeepsTheInstanceWhileItRepeats() throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(64);
    for (String v : VALUES) {
      StringValue.writeString(v, out);
    }
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    RepeatedString repeated = new RepeatedString();
    List<String> read = new ArrayList<>();
    for (int i = 0; i < VALUES.size(); i++) {
      read.add(repeated.read(in));
    }
    assertThat(read).containsExactlyElementsOf(VALUES);
    assertThat(in.available()).isZero();
    assertThat(read.get(1)).isSameAs(read.get(0));
    assertThat(read.get(5)).isSameAs(read.get(4));
    assertThat(read.get(13)).isNotSameAs(read.get(0)).isEqualTo(read.get(0));
    assertThat(read.get(14)).isSameAs(read.get(13));
  }
}
