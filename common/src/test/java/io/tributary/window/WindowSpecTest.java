package io.tributary.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.config.Configs;
import io.tributary.format.EventSchema;
import io.tributary.format.FormatOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowSpecTest {
  static final String SCHEMA =
      "user_id STRING NOT NULL, country STRING, amount DECIMAL(10, 2), qty INT, note STRING,"
          + " ts TIMESTAMP_LTZ(3) NOT NULL";

  private static WindowSpec spec(String... pairs) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "format.schema", SCHEMA,
                "format.event-time.field", "ts",
                "aggregate.window.type", "tumbling",
                "aggregate.window.size", "1 min",
                "aggregate.group-by", "user_id",
                "aggregate.aggregates", "count(*) AS n"));
    for (int i = 0; i < pairs.length; i += 2) {
      int at = all.indexOf(pairs[i]);
      if (at >= 0) {
        all.set(at + 1, pairs[i + 1]);
      } else {
        all.addAll(Arrays.asList(pairs[i], pairs[i + 1]));
      }
    }
    var config = Configs.of(all.toArray(new String[0]));
    return WindowSpec.fromConfig(
        config.group(WindowOptions.GROUP),
        EventSchema.fromConfig(config.group(FormatOptions.GROUP)));
  }

  @Test
  void outputTableColumnsAndTypesFollowFlinkSql() {
    WindowSpec s =
        spec(
            "aggregate.aggregates",
            "count(*) AS n, sum(amount) AS revenue, avg(amount) AS avg_amount, sum(qty) AS"
                + " items, avg(qty) AS avg_qty, min(qty) AS min_qty,"
                + " count_distinct(country) AS countries");
    assertThat(s.outputType().toString())
        .isEqualTo(
            "ROW<`window_start` TIMESTAMP_LTZ(3) NOT NULL, `window_end` TIMESTAMP_LTZ(3) NOT"
                + " NULL, `user_id` STRING NOT NULL, `n` BIGINT NOT NULL, `revenue`"
                + " DECIMAL(38, 2), `avg_amount` DECIMAL(38, 6), `items` INT, `avg_qty` INT,"
                + " `min_qty` INT, `countries` BIGINT NOT NULL>");
    assertThat(s.identifierFields()).containsExactly("window_start", "window_end", "user_id");
  }

  @Test
  void unknownAggregate() {
    assertThatThrownBy(() -> spec("aggregate.aggregates", "median(amount) AS m"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'aggregates' in property group 'aggregate'")
        .hasMessageContaining(
            "unknown aggregate 'median' in 'median(amount) AS m'. Known: count, sum, min, max,"
                + " avg, count_distinct");
  }

  @Test
  void sumOfANonNumericField() {
    assertThatThrownBy(() -> spec("aggregate.aggregates", "sum(note) AS s"))
        .hasMessageContaining(
            "sum needs a numeric field, but 'note' is STRING in 'sum(note) AS s'");
  }

  @Test
  void unknownAggregateField() {
    assertThatThrownBy(() -> spec("aggregate.aggregates", "max(price) AS p"))
        .hasMessageContaining("'price' in 'max(price) AS p' is not a field of format.schema");
  }

  @Test
  void unknownKeyField() {
    assertThatThrownBy(() -> spec("aggregate.group-by", "user_id, shop"))
        .hasMessageContaining(
            "bad value for 'group-by' in property group 'aggregate': 'user_id, shop' names"
                + " 'shop', which is not a field of format.schema");
  }

  @Test
  void nullableKeyField() {
    assertThatThrownBy(() -> spec("aggregate.group-by", "country"))
        .hasMessageContaining("names 'country', which may be null")
        .hasMessageContaining("Declare it NOT NULL in format.schema");
  }

  @Test
  void slideGreaterThanSize() {
    assertThatThrownBy(
            () ->
                spec(
                    "aggregate.window.type", "hopping",
                    "aggregate.window.size", "1 min",
                    "aggregate.window.slide", "2 min"))
        .hasMessage(
            "Invalid configuration: bad value for 'window.slide' in property group 'aggregate':"
                + " '2 min' is greater than window.size (1 min): hopping windows would leave"
                + " gaps. Make it at most the size.");
  }

  @Test
  void zeroGap() {
    assertThatThrownBy(
            () -> spec("aggregate.window.type", "session", "aggregate.window.gap", "0 s"))
        .hasMessage(
            "Invalid configuration: bad value for 'window.gap' in property group 'aggregate':"
                + " '0 s' must be above 0, e.g. 1 min.");
  }

  @Test
  void missingSizeAndDuplicateColumns() {
    assertThatThrownBy(
            () ->
                WindowSpec.fromConfig(
                    Configs.of("aggregate.window.type", "tumbling").group(WindowOptions.GROUP),
                    EventSchema.fromConfig(
                        Configs.of("format.schema", SCHEMA, "format.event-time.field", "ts")
                            .group(FormatOptions.GROUP))))
        .hasMessageContaining("missing required key 'window.size' in property group 'aggregate'");
    assertThatThrownBy(() -> spec("aggregate.aggregates", "count(*) AS n, sum(qty) AS n"))
        .hasMessageContaining("column 'n' is named twice");
    assertThatThrownBy(() -> spec("aggregate.aggregates", "count(*) AS user_id"))
        .hasMessageContaining("names column 'user_id' twice");
  }
}
