package io.tributary.format;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink type information that is its serializer and nothing more: one field, not a key, not a
 * tuple. For records whose serializer is ours (see {@link FreshRows}), so Flink never falls back to
 * Kryo for them.
 */
public abstract class SerializerType<T> extends TypeInformation<T> {
  private static final long serialVersionUID = 1L;

  private final Class<T> typeClass;

  protected SerializerType(Class<T> typeClass) {
    this.typeClass = typeClass;
  }

  /** A new serializer of the type. */
  protected abstract TypeSerializer<T> serializer();

  @Override
  public final boolean isBasicType() {
    return false;
  }

  @Override
  public final boolean isTupleType() {
    return false;
  }

  @Override
  public final int getArity() {
    return 1;
  }

  @Override
  public final int getTotalFields() {
    return 1;
  }

  @Override
  public final Class<T> getTypeClass() {
    return typeClass;
  }

  @Override
  public final boolean isKeyType() {
    return false;
  }

  @Override
  public final TypeSerializer<T> createSerializer(SerializerConfig config) {
    return serializer();
  }

  @Override
  @Deprecated
  public final TypeSerializer<T> createSerializer(ExecutionConfig config) {
    return serializer();
  }

  @Override
  public final boolean canEqual(Object o) {
    return o != null && o.getClass() == getClass();
  }
}
