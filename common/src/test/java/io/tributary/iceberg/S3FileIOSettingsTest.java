package io.tributary.iceberg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.tributary.config.ConfigException;
import io.tributary.config.Configs;
import java.util.Map;
import org.apache.iceberg.catalog.Catalog;
import org.junit.jupiter.api.Test;

/** The iceberg.s3.* and iceberg.commit.* options as Iceberg properties, and their checks. */
class S3FileIOSettingsTest {
  static final String S3_FILE_IO = "org.apache.iceberg.aws.s3.S3FileIO";

  static IcebergCatalog catalog(String... pairs) {
    return IcebergCatalog.fromConfig(Configs.of(pairs).group(IcebergOptions.GROUP));
  }

  static ConfigException problems(String... pairs) {
    try {
      catalog(pairs);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected a configuration problem");
  }

  @Test
  void restOnALocalS3GetsEverySettingTheServerDoesNotHandOut() {
    Map<String, String> p =
        catalog(
                "iceberg.catalog.type", "rest",
                "iceberg.catalog.uri", "http://127.0.0.1:8181",
                "iceberg.s3.endpoint", "http://127.0.0.1:9090",
                "iceberg.s3.path-style-access", "true",
                "iceberg.s3.region", "us-east-1")
            .catalogProperties();
    assertThat(p)
        .contains(
            entry("uri", "http://127.0.0.1:8181"),
            entry("io-impl", S3_FILE_IO),
            entry("s3.endpoint", "http://127.0.0.1:9090"),
            entry("s3.path-style-access", "true"),
            entry("client.region", "us-east-1"),
            entry("s3.retry.num-retries", "5"),
            entry("s3.retry.min-wait-ms", "2000"),
            entry("s3.retry.max-wait-ms", "20000"))
        .doesNotContainKeys("warehouse", "s3.sse.type", "s3.sse.key");
  }

  @Test
  void jdbcWithAnS3WarehouseUsesS3FileIoWithKms() {
    Map<String, String> p =
        catalog(
                "iceberg.catalog.type", "jdbc",
                "iceberg.catalog.uri", "jdbc:sqlite:file:/tmp/x.db",
                "iceberg.warehouse", "s3://lake/tables",
                "iceberg.s3.sse.type", "kms",
                "iceberg.s3.sse.key", "arn:aws:kms:eu-west-1:111122223333:key/abcd",
                "iceberg.s3.retry.num-retries", "8",
                "iceberg.s3.retry.min-wait", "500 ms",
                "iceberg.s3.retry.max-wait", "1 min")
            .catalogProperties();
    assertThat(p)
        .contains(
            entry("warehouse", "s3://lake/tables"),
            entry("io-impl", S3_FILE_IO),
            entry("s3.sse.type", "kms"),
            entry("s3.sse.key", "arn:aws:kms:eu-west-1:111122223333:key/abcd"),
            entry("s3.retry.num-retries", "8"),
            entry("s3.retry.min-wait-ms", "500"),
            entry("s3.retry.max-wait-ms", "60000"))
        .doesNotContainKeys("s3.endpoint", "s3.path-style-access", "client.region");
  }

  /**
   * Glue cannot be run here (no Glue API server), so its configuration path is checked by the
   * properties it produces and by loading the catalog, which builds the Glue client without calling
   * it.
   */
  @Test
  void glueGetsS3FileIoRegionAndEncryption() {
    IcebergCatalog glue =
        catalog(
            "iceberg.catalog.type", "glue",
            "iceberg.warehouse", "s3://lake/warehouse",
            "iceberg.s3.region", "eu-west-1",
            "iceberg.s3.sse.type", "s3");
    assertThat(glue.catalogProperties())
        .contains(
            entry("warehouse", "s3://lake/warehouse"),
            entry("io-impl", S3_FILE_IO),
            entry("client.region", "eu-west-1"),
            entry("s3.sse.type", "s3"),
            entry("s3.retry.num-retries", "5"))
        .doesNotContainKeys("s3.sse.key", "s3.endpoint", "uri");
    assertThat(glue.toString()).isEqualTo("glue catalog 'tributary'");
    Catalog loaded = glue.loader().loadCatalog();
    assertThat(loaded.getClass().getName()).isEqualTo("org.apache.iceberg.aws.glue.GlueCatalog");
    assertThat(loaded.name()).isEqualTo("tributary");
  }

  @Test
  void glueMessageNamesEveryOffendingNameWithItsLowerCaseSpelling() {
    assertThatThrownBy(
            () ->
                TargetTable.fromConfig(
                    Configs.of(
                            "iceberg.catalog.type", "glue",
                            "iceberg.warehouse", "s3://lake/warehouse",
                            "iceberg.database", "Lake",
                            "iceberg.table", "Clicks",
                            "iceberg.dead-letter-table", "Clicks_DLQ")
                        .group(IcebergOptions.GROUP)))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .extracting(p -> p.substring(0, p.indexOf(" is not a Glue name")))
                    .containsExactly(
                        "bad value for 'database' in property group 'iceberg': 'Lake'",
                        "bad value for 'table' in property group 'iceberg': 'Clicks'",
                        "bad value for 'dead-letter-table' in property group 'iceberg':"
                            + " 'Clicks_DLQ'"))
        .hasMessageContaining("Use 'lake'.")
        .hasMessageContaining("Use 'clicks'.")
        .hasMessageContaining("Use 'clicks_dlq'.");
  }

  @Test
  void glueNamesMustBeLowerCaseAndTheMessageSaysWhichToUse() {
    assertThatThrownBy(
            () ->
                catalog(
                    "iceberg.catalog.type", "glue",
                    "iceberg.warehouse", "s3://lake/warehouse",
                    "iceberg.database", "Lake_Events"))
        .hasMessage(
            "Invalid configuration: bad value for 'database' in property group 'iceberg':"
                + " 'Lake_Events' is not a Glue name: Glue keeps names in lower case (letters,"
                + " digits, underscores, at most 255), and Athena finds them only so. Use"
                + " 'lake_events'.");
    assertThatThrownBy(
            () ->
                TargetTable.fromConfig(
                    Configs.of(
                            "iceberg.catalog.type", "glue",
                            "iceberg.warehouse", "s3://lake/warehouse",
                            "iceberg.table", "Clicks")
                        .group(IcebergOptions.GROUP)))
        .hasMessageContaining(
            "bad value for 'table' in property group 'iceberg': 'Clicks' is not a Glue name")
        .hasMessageContaining("Use 'clicks'.")
        .hasMessageContaining(
            "bad value for 'dead-letter-table' in property group 'iceberg': 'Clicks_dead_letters'"
                + " (the default, from iceberg.table) is not a Glue name")
        .hasMessageEndingWith("Use 'clicks_dead_letters'.");
    assertThatThrownBy(
            () ->
                TargetTable.fromConfig(
                    Configs.of(
                            "iceberg.catalog.type", "glue",
                            "iceberg.warehouse", "s3://lake/warehouse",
                            "iceberg.table", "clicks",
                            "iceberg.dead-letter-table", "Clicks_DLQ")
                        .group(IcebergOptions.GROUP)))
        .hasMessageContaining("'dead-letter-table'")
        .hasMessageEndingWith("Use 'clicks_dlq'.");
    // Other catalogs keep the case they are given.
    assertThat(
            TargetTable.fromConfig(
                    Configs.of("iceberg.warehouse", "/tmp/w", "iceberg.table", "Clicks")
                        .group(IcebergOptions.GROUP))
                .name())
        .isEqualTo("Clicks");
  }

  @Test
  void glueKeepsTheRegionTheMsfTemplatePassesThrough() {
    // deploy/msf-application.yaml sets catalog.properties.client.region.
    assertThat(
            catalog(
                    "iceberg.catalog.type", "glue",
                    "iceberg.warehouse", "s3://lake/warehouse",
                    "iceberg.catalog.properties.client.region", "eu-central-1")
                .catalogProperties())
        .containsEntry("client.region", "eu-central-1")
        .containsEntry("io-impl", S3_FILE_IO);
  }

  @Test
  void aLocalHadoopWarehouseKeepsHadoopFileIo() {
    Map<String, String> p = catalog("iceberg.warehouse", "/tmp/tributary/w").catalogProperties();
    assertThat(p).doesNotContainKey("io-impl").containsEntry("warehouse", "file:/tmp/tributary/w");
  }

  @Test
  void anExplicitIoImplWins() {
    assertThat(
            catalog(
                    "iceberg.catalog.type", "jdbc",
                    "iceberg.catalog.uri", "jdbc:sqlite:file:/tmp/x.db",
                    "iceberg.warehouse", "s3://lake/tables",
                    "iceberg.catalog.properties.io-impl", "org.apache.iceberg.io.ResolvingFileIO")
                .catalogProperties())
        .containsEntry("io-impl", "org.apache.iceberg.io.ResolvingFileIO");
  }

  @Test
  void commitRetriesBecomeTableProperties() {
    Map<String, String> defaults = catalog("iceberg.warehouse", "/tmp/w").tableProperties();
    assertThat(defaults)
        .contains(
            entry("commit.retry.num-retries", "10"),
            entry("commit.retry.min-wait-ms", "100"),
            entry("commit.retry.max-wait-ms", "60000"),
            entry("commit.retry.total-timeout-ms", "1800000"));
    Map<String, String> set =
        catalog(
                "iceberg.warehouse", "/tmp/w",
                "iceberg.commit.retries", "3",
                "iceberg.commit.retry.min-wait", "1 s",
                "iceberg.commit.retry.max-wait", "10 s",
                "iceberg.commit.retry.total-timeout", "5 min")
            .tableProperties();
    assertThat(set)
        .contains(
            entry("commit.retry.num-retries", "3"),
            entry("commit.retry.min-wait-ms", "1000"),
            entry("commit.retry.max-wait-ms", "10000"),
            entry("commit.retry.total-timeout-ms", "300000"));
  }

  @Test
  void theHadoopCatalogOnS3IsRefusedWithTheWayOut() {
    assertThat(problems("iceberg.warehouse", "s3://warehouse/hadoop").problems())
        .containsExactly(
            "bad value for 'warehouse' in property group 'iceberg': 's3://warehouse/hadoop' is on"
                + " S3, where the hadoop catalog cannot keep tables: it commits by renaming files"
                + " through a Hadoop file system, which S3 does not do atomically (and the jobs"
                + " carry no S3A file system). Set catalog.type = jdbc (catalog.uri ="
                + " jdbc:postgresql://... or jdbc:sqlite:...) with the same warehouse, or rest, or"
                + " glue.");
  }

  @Test
  void kmsNeedsItsKeyAndTheKeyNeedsKms() {
    assertThat(
            problems(
                    "iceberg.catalog.type", "glue",
                    "iceberg.warehouse", "s3://l/w",
                    "iceberg.s3.sse.type", "kms")
                .problems())
        .containsExactly(
            "missing key 's3.sse.key' in property group 'iceberg': s3.sse.type = kms needs the"
                + " KMS key id, alias or ARN. Set s3.sse.key, or s3.sse.type = s3 for S3-managed"
                + " keys.");
    assertThat(
            problems(
                    "iceberg.catalog.type", "glue",
                    "iceberg.warehouse", "s3://l/w",
                    "iceberg.s3.sse.key", "alias/lake")
                .problems())
        .containsExactly(
            "key 's3.sse.key' in property group 'iceberg' is set but s3.sse.type is none: the"
                + " key is used only with SSE-KMS. Set s3.sse.type = kms, or remove s3.sse.key.");
  }

  @Test
  void badValuesAreAllReportedTogetherNamingKeyAndFix() {
    ConfigException e =
        problems(
            "iceberg.catalog.type", "rest",
            "iceberg.catalog.uri", "http://127.0.0.1:8181",
            "iceberg.s3.endpoint", "127.0.0.1:9090",
            "iceberg.s3.region", "Frankfurt",
            "iceberg.s3.retry.max-wait", "1 s");
    assertThat(e.problems())
        .containsExactlyInAnyOrder(
            "bad value for 's3.endpoint' in property group 'iceberg': '127.0.0.1:9090' is not an"
                + " http:// or https:// URL. Write e.g. http://127.0.0.1:9090 or"
                + " https://s3.eu-west-1.amazonaws.com.",
            "bad value for 's3.region' in property group 'iceberg': 'Frankfurt' is not an AWS"
                + " region code. Write e.g. us-east-1 or eu-west-1.",
            "bad value for 's3.retry.max-wait' in property group 'iceberg': '1 s' is shorter than"
                + " s3.retry.min-wait. Set it to at least 2 s.");
  }

  @Test
  void outOfRangeValuesFailValidationWithTheirDeclaredRange() {
    assertThatThrownBy(
            () ->
                Configs.of(
                    "iceberg.s3.retry.num-retries", "-1",
                    "iceberg.commit.retry.min-wait", "0 ms",
                    "iceberg.commit.retry.total-timeout", "0 s"))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactlyInAnyOrder(
                        "bad value for 's3.retry.num-retries' in property group 'iceberg': '-1'"
                            + " must be at least 0 (0: no retries).",
                        "bad value for 'commit.retry.min-wait' in property group 'iceberg': '0 ms'"
                            + " must be above 0, e.g. 100 ms.",
                        "bad value for 'commit.retry.total-timeout' in property group 'iceberg':"
                            + " '0 s' must be above 0, e.g. 30 min."));
  }

  @Test
  void credentialsAreRefusedAndNeverEchoed() {
    ConfigException e =
        problems(
            "iceberg.catalog.type", "glue",
            "iceberg.warehouse", "s3://l/w",
            "iceberg.catalog.properties.s3.access-key-id", "AKIAEXAMPLE",
            "iceberg.catalog.properties.s3.secret-access-key", "hunter2");
    assertThat(e.problems())
        .containsExactlyInAnyOrder(
            "key 'catalog.properties.s3.access-key-id' in property group 'iceberg' is not"
                + " accepted: AWS credentials come only from the AWS SDK's default provider chain"
                + " (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, the instance, task or"
                + " MSF application role). Remove the key.",
            "key 'catalog.properties.s3.secret-access-key' in property group 'iceberg' is not"
                + " accepted: AWS credentials come only from the AWS SDK's default provider chain"
                + " (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, the instance, task or"
                + " MSF application role). Remove the key.");
    assertThat(e.getMessage()).doesNotContain("hunter2").doesNotContain("AKIAEXAMPLE");
  }

  @Test
  void aPropertySetTwiceDifferentlyIsAProblem() {
    assertThat(
            problems(
                    "iceberg.catalog.type", "rest",
                    "iceberg.catalog.uri", "http://127.0.0.1:8181",
                    "iceberg.s3.endpoint", "http://127.0.0.1:9090",
                    "iceberg.catalog.properties.s3.endpoint", "http://127.0.0.1:9999")
                .problems())
        .containsExactly(
            "property group 'iceberg' sets 's3.endpoint' twice, as 's3.endpoint' and as"
                + " 'catalog.properties.s3.endpoint', with different values. Keep 's3.endpoint'"
                + " and remove 'catalog.properties.s3.endpoint'.");
  }
}
