package io.tributary.cdc;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * One string field of a serialized record that mostly repeats from one record to the next (a table
 * name, a row type's text), in {@link StringValue}'s format, byte for byte: written from bytes
 * encoded once instead of a byte at a time, and read back as the previous record's instance while
 * it repeats, so that no new string is built, hashed and compared per record.
 *
 * <p>Holds the last value written and the last read: one per field, per serializer instance (the
 * serializer's {@code duplicate()} gives each thread its own).
 */
final class RepeatedString {
  private static final int HIGH_BIT = 0x80;

  private String written;
  private byte[] encoded;
  private String read;
  private char[] chars = new char[64];

  void write(String s, DataOutputView out) throws IOException {
    if (s == null) {
      StringValue.writeString(null, out);
      return;
    }
    if (s != written && !s.equals(written)) {
      DataOutputSerializer bytes = new DataOutputSerializer(s.length() + 5);
      StringValue.writeString(s, bytes);
      encoded = bytes.getCopyOfBuffer();
      written = s;
    }
    out.write(encoded);
  }

  /** The string {@link StringValue#readString} would return, or the last one read if equal. */
  String read(DataInputView in) throws IOException {
    int len = readVarInt(in, in.readUnsignedByte());
    if (len == 0) {
      return null;
    }
    len -= 1; // the written length is one more: 0 stands for null
    if (chars.length < len) {
      chars = new char[Math.max(len, chars.length * 2)];
    }
    for (int i = 0; i < len; i++) {
      chars[i] = (char) readVarInt(in, in.readUnsignedByte());
    }
    if (read == null || !same(read, chars, len)) {
      read = new String(chars, 0, len);
    }
    return read;
  }

  private static int readVarInt(DataInputView in, int first) throws IOException {
    if (first < HIGH_BIT) {
      return first;
    }
    int value = first & 0x7f;
    int shift = 7;
    int curr;
    while ((curr = in.readUnsignedByte()) >= HIGH_BIT) {
      value |= (curr & 0x7f) << shift;
      shift += 7;
    }
    return value | (curr << shift);
  }

  private static boolean same(String s, char[] chars, int len) {
    if (s.length() != len) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if (s.charAt(i) != chars[i]) {
        return false;
      }
    }
    return true;
  }
}
