package io.tributary.cdc;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink's type information for {@link RowChange}: always {@link RowChangeSerializer}. */
public final class RowChangeType extends TypeInformation<RowChange> {
  private static final long serialVersionUID = 1L;

  public static final RowChangeType INSTANCE = new RowChangeType();

  @Override
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  public Class<RowChange> getTypeClass() {
    return RowChange.class;
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<RowChange> createSerializer(SerializerConfig config) {
    return new RowChangeSerializer();
  }

  @Override
  @SuppressWarnings("deprecation")
  public TypeSerializer<RowChange> createSerializer(ExecutionConfig config) {
    return new RowChangeSerializer();
  }

  @Override
  public String toString() {
    return "RowChange";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RowChangeType;
  }

  @Override
  public int hashCode() {
    return RowChangeType.class.hashCode();
  }

  @Override
  public boolean canEqual(Object o) {
    return o instanceof RowChangeType;
  }
}
