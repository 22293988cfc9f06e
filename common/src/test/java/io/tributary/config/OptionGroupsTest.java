package io.tributary.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OptionGroupsTest {

  /** A group declared in {@code common} but missing from the tests' list would go untested. */
  @Test
  void theTestsListEveryDeclaredGroupOnce() {
    assertThat(Configs.ALL)
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(OptionGroups.declaredIn("io.tributary"));
  }
}
