package io.tributary.format;

import java.io.IOException;
import java.util.Objects;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.table.types.logical.RowType;

/**
 * The type of rows that are built new for each record and never changed once emitted, such as
 * decoded events: chained operators pass them on as they are instead of copying them.
 *
 * <p>Why: without object reuse, Flink copies every record between two chained operators with its
 * type's serializer, and {@link RowDataSerializer} copies a row field by field, each string's bytes
 * included. JFR put those copies at 24% of {@code ingest}'s samples (docs/benchmarks.md). Object
 * reuse would remove them for every operator at once, including those that keep a record they were
 * given (window state, Iceberg's writers); this type removes them only where the rows are fresh. On
 * the wire, and in state, the rows are written exactly as {@link RowDataSerializer} writes them.
 */
public final class FreshRows extends SerializerType<RowData> {
  private static final long serialVersionUID = 1L;

  private final RowType type;

  private FreshRows(RowType type) {
    super(RowData.class);
    this.type = type;
  }

  /** Rows of {@code type}, each emitted once and never changed afterwards. */
  public static FreshRows of(RowType type) {
    return new FreshRows(type);
  }

  @Override
  protected TypeSerializer<RowData> serializer() {
    return new Serializer(new RowDataSerializer(type));
  }

  @Override
  public String toString() {
    return "FreshRows<" + type.asSummaryString() + ">";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FreshRows && ((FreshRows) o).type.equals(type);
  }

  @Override
  public int hashCode() {
    return type.hashCode();
  }

  /** {@link RowDataSerializer}, but a copy is the row itself. */
  public static final class Serializer extends TypeSerializer<RowData> {
    private static final long serialVersionUID = 1L;

    private final RowDataSerializer rows;

    Serializer(RowDataSerializer rows) {
      this.rows = rows;
    }

    @Override
    public boolean isImmutableType() {
      return false; // as RowDataSerializer: a row deserialized into a reused instance changes
    }

    @Override
    public TypeSerializer<RowData> duplicate() {
      TypeSerializer<RowData> d = rows.duplicate();
      return d == rows ? this : new Serializer((RowDataSerializer) d);
    }

    @Override
    public RowData createInstance() {
      return rows.createInstance();
    }

    @Override
    public RowData copy(RowData from) {
      return from;
    }

    @Override
    public RowData copy(RowData from, RowData reuse) {
      return from;
    }

    @Override
    public int getLength() {
      return rows.getLength();
    }

    @Override
    public void serialize(RowData record, DataOutputView target) throws IOException {
      rows.serialize(record, target);
    }

    @Override
    public RowData deserialize(DataInputView source) throws IOException {
      return rows.deserialize(source);
    }

    @Override
    public RowData deserialize(RowData reuse, DataInputView source) throws IOException {
      return rows.deserialize(reuse, source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
      rows.copy(source, target);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Serializer && ((Serializer) o).rows.equals(rows);
    }

    @Override
    public int hashCode() {
      return Objects.hash(Serializer.class, rows);
    }

    @Override
    public TypeSerializerSnapshot<RowData> snapshotConfiguration() {
      return new Snapshot(this);
    }
  }

  /** The snapshot of {@link Serializer}: that of its {@link RowDataSerializer}. */
  public static final class Snapshot extends CompositeTypeSerializerSnapshot<RowData, Serializer> {
    public Snapshot() {
      super();
    }

    Snapshot(Serializer serializer) {
      super(serializer);
    }

    @Override
    protected int getCurrentOuterSnapshotVersion() {
      return 1;
    }

    @Override
    protected TypeSerializer<?>[] getNestedSerializers(Serializer outer) {
      return new TypeSerializer<?>[] {outer.rows};
    }

    @Override
    protected Serializer createOuterSerializerWithNestedSerializers(TypeSerializer<?>[] nested) {
      return new Serializer((RowDataSerializer) nested[0]);
    }
  }
}
