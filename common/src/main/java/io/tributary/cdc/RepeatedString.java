package io.tributary.cdc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
  private byte[] bytes = new byte[64];
  // the bytes of the last string read when it was ASCII (lastAscii its length), else lastAscii -1
  private byte[] lastBytes = new byte[64];
  private int lastAscii = -1;

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
    // Every char takes one byte or more, so the next len bytes are all this string's: read at
    // once, not a byte per call, and ASCII text (one byte a char) is compared and copied whole.
    if (bytes.length < len) {
      bytes = new byte[Math.max(len, bytes.length * 2)];
    }
    in.readFully(bytes, 0, len);
    int ascii = 0;
    while (ascii < len && bytes[ascii] >= 0) {
      ascii++;
    }
    if (ascii == len) {
      if (read == null || lastAscii != len || !Arrays.equals(bytes, 0, len, lastBytes, 0, len)) {
        read = new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
        byte[] swap = lastBytes;
        lastBytes = bytes;
        bytes = swap;
        lastAscii = len;
      }
      return read;
    }
    if (chars.length < len) {
      chars = new char[Math.max(len, chars.length * 2)];
    }
    for (int i = 0; i < ascii; i++) {
      chars[i] = (char) bytes[i];
    }
    int at = ascii; // the next unread byte of bytes; past len, the rest come from in
    for (int c = ascii; c < len; c++) {
      int b = at < len ? bytes[at++] & 0xff : in.readUnsignedByte();
      if (b >= HIGH_BIT) {
        int value = b & 0x7f;
        int shift = 7;
        while ((b = at < len ? bytes[at++] & 0xff : in.readUnsignedByte()) >= HIGH_BIT) {
          value |= (b & 0x7f) << shift;
          shift += 7;
        }
        b = value | (b << shift);
      }
      chars[c] = (char) b;
    }
    if (read == null || !same(read, chars, len)) {
      read = new String(chars, 0, len);
      lastAscii = -1;
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
