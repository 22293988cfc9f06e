package io.tributary.cdc;

import io.tributary.format.SerializerType;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink's type information for {@link RowChange}: always {@link RowChangeSerializer}. */
public final class RowChangeType extends SerializerType<RowChange> {
  private static final long serialVersionUID = 1L;

  public static final RowChangeType INSTANCE = new RowChangeType();

  private RowChangeType() {
    super(RowChange.class);
  }

  @Override
  protected TypeSerializer<RowChange> serializer() {
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
}
