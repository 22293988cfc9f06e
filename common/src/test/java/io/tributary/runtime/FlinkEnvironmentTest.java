package io.tributary.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.config.Configs;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.junit.jupiter.api.Test;

class FlinkEnvironmentTest {
  @Test
  void restartAttemptsBelowOneFailAtStartUpNamingTheKey() {
    assertThatThrownBy(() -> FlinkEnvironment.settings(Configs.of("job.restart.max-attempts", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'restart.max-attempts' in property group 'job'")
        .hasMessageContaining("must be at least 1");
  }

  @Test
  void restartAttemptsReachFlinksExponentialDelayStrategy() {
    Configuration conf = FlinkEnvironment.settings(Configs.of("job.restart.max-attempts", "3"));
    assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
    assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS))
        .isEqualTo(3);
  }
}
