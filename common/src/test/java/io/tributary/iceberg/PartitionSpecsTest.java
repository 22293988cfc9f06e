package io.tributary.iceberg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class PartitionSpecsTest {
  static final Schema SCHEMA =
      new Schema(
          Types.NestedField.required(1, "user_id", Types.StringType.get()),
          Types.NestedField.required(2, "ts", Types.TimestampType.withZone()),
          Types.NestedField.optional(3, "country", Types.StringType.get()));

  @Test
  void parsesEveryTransform() {
    PartitionSpec spec =
        PartitionSpecs.parse("days(ts), bucket(16, user_id), country, truncate(2,user_id)", SCHEMA);
    assertThat(spec)
        .isEqualTo(
            PartitionSpec.builderFor(SCHEMA)
                .day("ts")
                .bucket("user_id", 16)
                .identity("country")
                .truncate("user_id", 2)
                .build());
    assertThat(PartitionSpecs.parse("hours(ts)", SCHEMA).fields().get(0).transform().toString())
        .isEqualTo("hour");
    assertThat(PartitionSpecs.parse("months(ts)", SCHEMA).fields()).hasSize(1);
    assertThat(PartitionSpecs.parse("years(ts)", SCHEMA).fields()).hasSize(1);
  }

  @Test
  void emptyIsUnpartitioned() {
    assertThat(PartitionSpecs.parse(" ", SCHEMA).isUnpartitioned()).isTrue();
  }

  @Test
  void unknownColumn() {
    assertThatThrownBy(() -> PartitionSpecs.parse("days(event_time)", SCHEMA))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("event_time")
        .hasMessageContaining("[user_id, ts, country]");
  }

  @Test
  void unknownTransformOrArity() {
    assertThatThrownBy(() -> PartitionSpecs.parse("weeks(ts)", SCHEMA))
        .hasMessageContaining("unknown transform 'weeks'");
    assertThatThrownBy(() -> PartitionSpecs.parse("bucket(user_id)", SCHEMA))
        .hasMessageContaining("wrong number of arguments");
    assertThatThrownBy(() -> PartitionSpecs.parse("days(16, ts)", SCHEMA))
        .hasMessageContaining("wrong number of arguments");
  }

  @Test
  void semicolonsSeparateTermsToo() {
    assertThat(PartitionSpecs.parse("days(ts); bucket(16, user_id)", SCHEMA).fields()).hasSize(2);
  }

  @Test
  void transformsMustFitTheColumnType() {
    assertThatThrownBy(() -> PartitionSpecs.parse("hours(user_id)", SCHEMA))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "'hours(user_id)' does not fit column 'user_id' of type string: hours takes a"
                + " timestamp column. Allowed:");
    assertThatThrownBy(() -> PartitionSpecs.parse("truncate(4, ts)", SCHEMA))
        .hasMessageContaining("truncate takes an int, bigint, decimal, string or binary column");
  }

  @Test
  void bucketCountsAndWidthsMustBePositiveInts() {
    assertThatThrownBy(() -> PartitionSpecs.parse("bucket(0, user_id)", SCHEMA))
        .hasMessageContaining("'bucket(0, user_id)' has bucket count 0; it must be between 1");
    assertThatThrownBy(() -> PartitionSpecs.parse("bucket(99999999999, user_id)", SCHEMA))
        .hasMessageContaining("has bucket count 99999999999");
    assertThatThrownBy(() -> PartitionSpecs.parse("truncate(0, user_id)", SCHEMA))
        .hasMessageContaining("has width 0");
  }

  @Test
  void redundantTermsAreReportedNotThrownRaw() {
    assertThatThrownBy(() -> PartitionSpecs.parse("days(ts), hours(ts)", SCHEMA))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ts");
  }
}
