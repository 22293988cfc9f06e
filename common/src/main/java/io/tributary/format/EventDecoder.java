package io.tributary.format;

import io.tributary.quality.DeadLetter;
import io.tributary.source.RawRecord;
import io.tributary.source.RecordDecoder;
import java.util.function.Consumer;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.utils.JoinedRowData;
import org.apache.flink.types.Either;

/** The JSON decoder as a source-side decoder: a row (left) or a dead letter (right). */
final class EventDecoder implements RecordDecoder<Either<RowData, DeadLetter>> {
  private static final long serialVersionUID = 1L;

  private final JsonEventDecoder decoder;
  private final boolean withSource;
  private transient DeadLetter rejected;
  private transient Consumer<DeadLetter> reject;

  EventDecoder(JsonEventDecoder decoder, boolean withSource) {
    this.decoder = decoder;
    this.withSource = withSource;
  }

  @Override
  public void open() throws Exception {
    decoder.open();
    reject = d -> rejected = d;
  }

  @Override
  public Either<RowData, DeadLetter> decode(RawRecord raw) {
    rejected = null;
    RowData row = decoder.decode(raw, System.currentTimeMillis(), reject);
    if (row == null) {
      return Either.Right(rejected);
    }
    return Either.Left(withSource ? new JoinedRowData(row, source(raw)) : row);
  }

  /** Event time for the watermark generator; dead letters do not move it. */
  long timestamp(Either<RowData, DeadLetter> e) {
    return e.isLeft() ? decoder.eventTime(e.left()) : Long.MIN_VALUE;
  }

  private static GenericRowData source(RawRecord raw) {
    return GenericRowData.of(
        StringData.fromString(raw.sourceType),
        StringData.fromString(raw.stream),
        StringData.fromString(raw.partition),
        StringData.fromString(raw.position));
  }
}
