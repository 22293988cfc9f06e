package io.tributary.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.iceberg.IcebergOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SecretsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "iceberg.catalog.properties.header.Authorization",
        "catalog.properties.header.authorization",
        "header.X-Api-Key",
        "header.X-Tenant",
        "catalog.properties.token",
        "catalog.properties.credential",
        "catalog.properties.rest.auth.oauth2.client-secret",
        "catalog.properties.s3.secret-access-key",
        "catalog.properties.s3.access-key-id",
        "catalog.properties.s3.session-token",
        "catalog.properties.jdbc.password",
        "catalog.properties.jdbc.PASSWD",
        "properties.sasl.jaas.config",
        "properties.ssl.key.password",
        "properties.ssl.keystore.key",
        "properties.ssl.keystore.password",
        "properties.sasl.oauthbearer.token.endpoint.url",
        "s3.sse.key",
        "iceberg.s3.sse.key",
        "flink.metrics.reporter.datadog.apikey",
        "flink.security.ssl.rest.keystore-password",
        "flink.some.basic-auth",
        "aws.credentials.provider.basic.secretkey",
        "my.private-key",
        "Authorization"
      })
  void secretKeys(String key) {
    assertThat(Secrets.isSecret(key)).as(key).isTrue();
    assertThat(Secrets.mask(key, "hunter2")).isEqualTo(Secrets.MASK);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "kafka.topics",
        "bootstrap.servers",
        "auth",
        "properties.key.deserializer",
        "properties.value.deserializer",
        "properties.ssl.keystore.location",
        "properties.ssl.keystore.type",
        "properties.ssl.truststore.location",
        "properties.security.protocol",
        "cdc.primary-keys",
        "primary-keys",
        "catalog.uri",
        "catalog.properties.headers-in-a-name-is-not-a-header",
        "s3.sse.type"
      })
  void harmlessKeys(String key) {
    assertThat(Secrets.isSecret(key)).as(key).isFalse();
    assertThat(Secrets.mask(key, "orders")).isEqualTo("orders");
  }

  /**
   * Of the suite's own options only s3.sse.key is masked: the rule catches pass-through secrets
   * without hiding ordinary settings in the start-up dump.
   */
  @Test
  void amongTheSuitesOwnOptionsOnlyTheSseKeyIsMasked() {
    Set<String> secret = new TreeSet<>();
    for (OptionGroup g : Configs.ALL) {
      g.options()
          .forEach(
              o -> {
                if (Secrets.isSecret(o.key())) {
                  secret.add(g.id() + "." + o.key());
                }
              });
    }
    assertThat(secret).containsExactly("iceberg.s3.sse.key");
  }

  @Test
  void credentialsAreTheSecretsNamedOutright() {
    assertThat(Secrets.isCredential("rest.header.Authorization")).isTrue();
    assertThat(Secrets.isCredential("s3.secret-key")).isTrue();
    assertThat(Secrets.isCredential("table.exec.sink.keyed-shuffle")).isFalse();
    assertThat(Secrets.isSecret("table.exec.sink.keyed-shuffle")).isTrue();
    assertThat(Secrets.isCredential("properties.ssl.keystore.location")).isFalse();
    assertThat(Secrets.isCredential(null)).isFalse();
  }

  @Test
  void nullStaysNullAndMapsKeepTheirOrder() {
    assertThat(Secrets.mask("token", null)).isNull();
    Map<String, String> in = new LinkedHashMap<>();
    in.put("uri", "http://127.0.0.1:8181");
    in.put("header.Authorization", "Bearer abc");
    in.put("warehouse", "s3://b/w");
    assertThat(Secrets.mask(in))
        .containsExactly(
            Map.entry("uri", "http://127.0.0.1:8181"),
            Map.entry("header.Authorization", Secrets.MASK),
            Map.entry("warehouse", "s3://b/w"));
  }

  @Test
  void commandLinesAreMaskedInBothSpellings() {
    String[] args = {
      "--config",
      "ingest.json",
      "--iceberg.catalog.properties.header.Authorization",
      "Bearer abc",
      "--kafka.properties.sasl.jaas.config=x password=\"pw\";",
      "--kafka.topics",
      "orders",
      "positional"
    };
    assertThat(Secrets.maskCommandLine(args))
        .isEqualTo(
            "--config ingest.json --iceberg.catalog.properties.header.Authorization ****"
                + " --kafka.properties.sasl.jaas.config=**** --kafka.topics orders positional");
  }

  @Test
  void theDumpAndErrorsOfAConfigurationMaskHeaders() {
    TributaryConfig c =
        Configs.of(
            "iceberg.catalog.properties.header.Authorization",
            "Bearer planted-123",
            "iceberg.s3.sse.type",
            "kms",
            "iceberg.s3.sse.key",
            "arn:aws:kms:eu-west-1:111122223333:key/planted",
            "kafka.topics",
            "orders");
    assertThat(c.describe())
        .doesNotContain("planted")
        .contains("iceberg.catalog.properties.header.Authorization = ****")
        .contains("iceberg.s3.sse.key = ****")
        .contains("kafka.topics = orders");
    assertThat(
            c.invalid(IcebergOptions.GROUP, IcebergOptions.S3_SSE_KEY, "is not a KMS key.")
                .getMessage())
        .doesNotContain("planted")
        .contains("'****' is not a KMS key.");
  }

  @Test
  void aUrlsPasswordIsMaskedInAnyValueTheUserAndHostStay() {
    assertThat(Secrets.mask("registry.url", "https://svc:pl4nted@registry:8081/apis"))
        .isEqualTo("https://svc:****@registry:8081/apis");
    assertThat(Secrets.mask("uri", "jdbc:postgresql://app:pl4nted@db:5432/cat?ssl=true"))
        .isEqualTo("jdbc:postgresql://app:****@db:5432/cat?ssl=true");
    assertThat(Secrets.mask("x", "a http://u:p1@h and s3://k:p2@b/w")).doesNotContain("p1", "p2");
    // no password, nothing to mask: ports, plain users and paths with '@' stay as written
    assertThat(Secrets.mask("uri", "http://127.0.0.1:8181/v1/a@b"))
        .isEqualTo("http://127.0.0.1:8181/v1/a@b");
    assertThat(Secrets.mask("uri", "http://svc@registry:8081"))
        .isEqualTo("http://svc@registry:8081");
  }

  @Test
  void aUrlsPasswordIsMaskedInTheDump() {
    TributaryConfig c =
        Configs.of(
            "iceberg.catalog.type", "jdbc",
            "iceberg.catalog.uri", "jdbc:postgresql://app:pl4nted@db:5432/cat");
    assertThat(c.describe())
        .doesNotContain("pl4nted")
        .contains("iceberg.catalog.uri = jdbc:postgresql://app:****@db:5432/cat");
  }

  @Test
  void aRegistryUrlWithCredentialsIsRefusedWithoutPrintingThem() {
    assertThatThrownBy(
            () ->
                Configs.of(
                    "format.type", "avro-confluent",
                    "format.registry.url", "https://svc:pl4nted@registry:8081",
                    "format.registry.subject", "orders-value"))
        .hasMessageContaining("'registry.url' in property group 'format'")
        .hasMessageContaining("'https://svc:****@registry:8081' carries credentials")
        .hasMessageContaining("format.registry.user-info-env")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pl4nted"));
  }
}
