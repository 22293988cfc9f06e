package io.tributary.format;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;
import org.junit.jupiter.api.Test;

/**
 * Rows of {@link FreshRows} pass between chained operators uncopied, and are written on the wire
 * and in snapshots exactly as {@link RowDataSerializer} writes them.
 */
class FreshRowsTest {
  private static final RowType TYPE =
      RowType.of(new BigIntType(), new VarCharType(VarCharType.MAX_LENGTH));

  @Test
  void aCopyIsTheRowItselfAndTheBytesAreRowDataSerializers() throws Exception {
    TypeSerializer<RowData> fresh = FreshRows.of(TYPE).createSerializer(new ExecutionConfig());
    RowData row = GenericRowData.of(42L, StringData.fromString("ünïcode"));
    assertThat(fresh.copy(row)).isSameAs(row);
    assertThat(fresh.copy(row, fresh.createInstance())).isSameAs(row);

    DataOutputSerializer ours = new DataOutputSerializer(64);
    fresh.serialize(row, ours);
    DataOutputSerializer theirs = new DataOutputSerializer(64);
    new RowDataSerializer(TYPE).serialize(row, theirs);
    assertThat(ours.getCopyOfBuffer()).isEqualTo(theirs.getCopyOfBuffer());

    RowData back = fresh.deserialize(new DataInputDeserializer(ours.getCopyOfBuffer()));
    assertThat(back.getLong(0)).isEqualTo(42L);
    assertThat(back.getString(1).toString()).isEqualTo("ünïcode");
  }

  @Test
  void itsSnapshotRestoresACompatibleSerializer() throws Exception {
    TypeSerializer<RowData> fresh = FreshRows.of(TYPE).createSerializer(new ExecutionConfig());
    TypeSerializerSnapshot<RowData> snapshot = fresh.snapshotConfiguration();
    DataOutputSerializer out = new DataOutputSerializer(256);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    TypeSerializerSnapshot<RowData> read =
        TypeSerializerSnapshot.readVersionedSnapshot(
            new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

    TypeSerializerSchemaCompatibility<RowData> same =
        fresh.snapshotConfiguration().resolveSchemaCompatibility(read);
    assertThat(same.isCompatibleAsIs()).isTrue();
    assertThat(read.restoreSerializer()).isEqualTo(fresh);
    assertThat(fresh.duplicate()).isEqualTo(fresh);
  }
}
