package io.tributary.cdc;

import java.io.IOException;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;
import org.apache.flink.types.RowKind;
import org.apache.flink.types.StringValue;

/**
 * Writes a {@link RowChange} without Kryo: its row type as SQL text, then the row in Flink's binary
 * row format. Row types repeat (a few per table), so each instance keeps their parsed form and row
 * serializers; {@link #duplicate()} gives each thread its own.
 */
public final class RowChangeSerializer extends TypeSerializer<RowChange> {
  private static final long serialVersionUID = 1L;
  private static final int MAX_CACHED_TYPES = 1024;

  private transient Map<String, Entry> byText;
  private transient Map<RowType, String> textOf;
  private transient Repeated repeated;

  /** The fields that repeat from change to change; {@link RepeatedString} says why. */
  private static final class Repeated {
    final RepeatedString table = new RepeatedString();
    final RepeatedString type = new RepeatedString();
    final RepeatedString origin = new RepeatedString();
    // a key rarely repeats, but is read in bulk this way too (written by StringValue, the same)
    final RepeatedString key = new RepeatedString();
    RepeatedString[] keyColumns = new RepeatedString[0];
    String lastTypeText;
    Entry lastEntry;

    RepeatedString keyColumn(int i) {
      if (i >= keyColumns.length) {
        RepeatedString[] more = java.util.Arrays.copyOf(keyColumns, i + 1);
        for (int j = keyColumns.length; j <= i; j++) {
          more[j] = new RepeatedString();
        }
        keyColumns = more;
      }
      return keyColumns[i];
    }
  }

  private Repeated repeated() {
    if (repeated == null) {
      repeated = new Repeated();
    }
    return repeated;
  }

  /** A parsed row type and its row serializer. */
  private static final class Entry {
    final RowType type;
    final RowDataSerializer rows;

    Entry(RowType type) {
      this.type = type;
      this.rows = new RowDataSerializer(type);
    }
  }

  private Map<String, Entry> byText() {
    if (byText == null) {
      byText = new HashMap<>();
      // by instance: RowType's hashCode and equals walk every field, per change. The decoder and
      // the table stage share one instance per shape, so the instance finds its text.
      textOf = new IdentityHashMap<>();
    }
    return byText;
  }

  private Entry entry(String text) {
    Map<String, Entry> cache = byText();
    Entry s = cache.get(text);
    if (s == null) {
      if (cache.size() >= MAX_CACHED_TYPES) {
        cache.clear();
        textOf.clear();
      }
      LogicalType t = LogicalTypeParser.parse(text, RowChangeSerializer.class.getClassLoader());
      s = new Entry((RowType) t);
      cache.put(text, s);
    }
    return s;
  }

  private String text(RowType type) {
    byText();
    String t = textOf.get(type);
    if (t == null) {
      if (textOf.size() >= MAX_CACHED_TYPES) {
        textOf.clear();
      }
      t = type.asSerializableString();
      textOf.put(type, t);
    }
    return t;
  }

  @Override
  public boolean isImmutableType() {
    return true; // operators never modify a RowChange after emitting it
  }

  @Override
  public TypeSerializer<RowChange> duplicate() {
    return new RowChangeSerializer();
  }

  @Override
  public RowChange createInstance() {
    return null;
  }

  @Override
  public RowChange copy(RowChange from) {
    return from;
  }

  @Override
  public RowChange copy(RowChange from, RowChange reuse) {
    return from;
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(RowChange c, DataOutputView out) throws IOException {
    Repeated r = repeated();
    r.table.write(c.table, out);
    StringValue.writeString(c.key, out);
    out.writeByte(c.kind.toByteValue());
    out.writeByte(c.position.length);
    for (long p : c.position) {
      out.writeLong(p);
    }
    out.writeByte(c.keyColumns.length);
    for (int i = 0; i < c.keyColumns.length; i++) {
      r.keyColumn(i).write(c.keyColumns[i], out);
    }
    String typeText = text(c.type);
    r.type.write(typeText, out);
    entry(r, typeText).rows.serialize(c.row, out);
    r.origin.write(c.origin, out);
  }

  @Override
  public RowChange deserialize(DataInputView in) throws IOException {
    Repeated r = repeated();
    String table = r.table.read(in);
    String key = r.key.read(in);
    RowKind kind = RowKind.fromByteValue(in.readByte());
    long[] position = new long[in.readByte()];
    for (int i = 0; i < position.length; i++) {
      position[i] = in.readLong();
    }
    String[] keyColumns = new String[in.readByte()];
    for (int i = 0; i < keyColumns.length; i++) {
      keyColumns[i] = r.keyColumn(i).read(in);
    }
    Entry e = entry(r, r.type.read(in));
    RowData row = e.rows.deserialize(in);
    String origin = r.origin.read(in);
    return new RowChange(table, key, kind, position, keyColumns, e.type, row, origin);
  }

  /** The entry of the previous change while its type text repeats (the same instance). */
  private Entry entry(Repeated r, String typeText) {
    if (typeText != r.lastTypeText) {
      r.lastEntry = entry(typeText);
      r.lastTypeText = typeText;
    }
    return r.lastEntry;
  }

  @Override
  public RowChange deserialize(RowChange reuse, DataInputView in) throws IOException {
    return deserialize(in);
  }

  @Override
  public void copy(DataInputView in, DataOutputView out) throws IOException {
    serialize(deserialize(in), out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RowChangeSerializer;
  }

  @Override
  public int hashCode() {
    return RowChangeSerializer.class.hashCode();
  }

  @Override
  public TypeSerializerSnapshot<RowChange> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer has no configuration; its snapshot only restores it. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<RowChange> {
    public Snapshot() {
      super(RowChangeSerializer::new);
    }
  }
}
