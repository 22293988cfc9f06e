package io.tributary.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConfigListsTest {
  @Test
  void commasAndSemicolonsBothSeparateOutsideBrackets() {
    assertThat(ConfigLists.split(" a, b;c ;; ,d ")).containsExactly("a", "b", "c", "d");
    assertThat(ConfigLists.split("days(ts), bucket(16, id); truncate(4,name)"))
        .containsExactly("days(ts)", "bucket(16, id)", "truncate(4,name)");
    assertThat(ConfigLists.split("x=DECIMAL(12,2), y=MAP<STRING, INT>"))
        .containsExactly("x=DECIMAL(12,2)", "y=MAP<STRING, INT>");
    assertThat(ConfigLists.split("a=x,y; b=z", ";")).containsExactly("a=x,y", "b=z");
    assertThat(ConfigLists.split("")).isEmpty();
    assertThat(ConfigLists.split(null)).isEmpty();
  }
}
