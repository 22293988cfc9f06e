package io.tributary.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StackSettingsTest {
  @Test
  void theFlinkClusterHasTheStacksLibUnlessTheEnvironmentSaysRuntimeOnly() {
    assertThat(StackSettings.fromEnvironment(k -> null).flinkLib())
        .isEqualTo(FlinkCluster.Lib.STACK);
    assertThat(
            StackSettings.fromEnvironment(Map.of("TRIBUTARY_FLINK_LIB", "runtime-only")::get)
                .flinkLib())
        .isEqualTo(FlinkCluster.Lib.RUNTIME_ONLY);
    assertThatThrownBy(
            () -> StackSettings.fromEnvironment(Map.of("TRIBUTARY_FLINK_LIB", "msf")::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "TRIBUTARY_FLINK_LIB=msf is not known: set it to stack (the default) or runtime-only");
  }

  @Test
  void jsonLogsAreAnOptionOfTheStacksLib() {
    assertThat(StackSettings.fromEnvironment(k -> null).logFormat())
        .isEqualTo(FlinkCluster.LogFormat.TEXT);
    assertThat(
            StackSettings.fromEnvironment(Map.of("TRIBUTARY_LOG_FORMAT", "json")::get).logFormat())
        .isEqualTo(FlinkCluster.LogFormat.JSON);
    assertThatThrownBy(
            () -> StackSettings.fromEnvironment(Map.of("TRIBUTARY_LOG_FORMAT", "xml")::get))
        .hasMessage("TRIBUTARY_LOG_FORMAT=xml is not known: set it to text (the default) or json");
    assertThatThrownBy(
            () ->
                StackSettings.fromEnvironment(
                    Map.of("TRIBUTARY_LOG_FORMAT", "json", "TRIBUTARY_FLINK_LIB", "runtime-only")
                        ::get))
        .hasMessageContaining("TRIBUTARY_LOG_FORMAT=json needs the stack's Flink lib");
  }

  @Test
  void aBadPortNamesTheVariableAndTheFix() {
    assertThatThrownBy(() -> StackSettings.fromEnvironment(Map.of("KAFKA_PORT", "x")::get))
        .hasMessage("KAFKA_PORT=x is not a port: set KAFKA_PORT to a number from 1 to 65535");
  }

  @Test
  void aTestsStackIsFoundByTheCliThroughItsEnvironment(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    StackSettings test = StackSettings.forTest(dir).withFlinkLib(FlinkCluster.Lib.RUNTIME_ONLY);
    StackSettings cli = StackSettings.fromEnvironment(test.environment()::get);
    assertThat(cli.dir()).isEqualTo(dir);
    assertThat(cli.variables()).isEqualTo(test.variables());
    assertThat(cli.port("FLINK_RPC_PORT")).isEqualTo(test.port("FLINK_RPC_PORT"));
    assertThat(cli.flinkLib()).isEqualTo(FlinkCluster.Lib.RUNTIME_ONLY);
    assertThat(cli.logFormat()).isEqualTo(FlinkCluster.LogFormat.TEXT);
  }
}
