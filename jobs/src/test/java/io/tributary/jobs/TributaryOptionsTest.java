package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.Configs;
import io.tributary.config.OptionGroups;
import org.junit.jupiter.api.Test;

class TributaryOptionsTest {

  /**
   * A group declared in {@code common} but missing here would be rejected as unknown; the tests of
   * {@code common} use the same list in the same order.
   */
  @Test
  void listsEveryGroupDeclaredInCommonOnceInTheTestsOrder() {
    assertThat(TributaryOptions.ALL)
        .containsExactlyElementsOf(Configs.ALL)
        .containsExactlyInAnyOrderElementsOf(OptionGroups.declaredIn("io.tributary"));
  }
}
