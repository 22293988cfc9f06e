package io.tributary.window;

import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.binary.BinaryRowData;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.table.types.logical.RowType;

/**
 * The group key as a binary row: equal keys are equal bytes, so the key's hash and equality survive
 * serialization and restore (a generic row would not equal its own restored copy).
 */
final class KeyFields implements KeySelector<RowData, RowData> {
  private static final long serialVersionUID = 1L;

  private final int[] fields;
  private final RowData.FieldGetter[] getters;
  private final RowDataSerializer serializer;

  KeyFields(int[] fields, RowType eventType, RowType keyType) {
    this.fields = fields;
    this.getters = new RowData.FieldGetter[fields.length];
    for (int i = 0; i < fields.length; i++) {
      getters[i] = RowData.createFieldGetter(eventType.getTypeAt(fields[i]), fields[i]);
    }
    this.serializer = new RowDataSerializer(keyType);
  }

  @Override
  public RowData getKey(RowData event) {
    GenericRowData key = new GenericRowData(fields.length);
    for (int i = 0; i < fields.length; i++) {
      key.setField(i, getters[i].getFieldOrNull(event));
    }
    BinaryRowData binary = serializer.toBinaryRow(key);
    return binary.copy();
  }
}
