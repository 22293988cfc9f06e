package io.tributary.testing;

import io.tributary.source.RawRecord;
import io.tributary.source.RecordDecoder;
import java.nio.charset.StandardCharsets;

/** A decoder that keeps the raw record as text, coordinates included. */
public final class RawAsText implements RecordDecoder<String> {
  @Override
  public String decode(RawRecord raw) {
    return raw.sourceType
        + "|"
        + raw.stream
        + "|"
        + raw.partition
        + "|"
        + raw.position
        + "|"
        + new String(raw.value, StandardCharsets.UTF_8);
  }
}
