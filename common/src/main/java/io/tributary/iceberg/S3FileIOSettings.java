package io.tributary.iceberg;

import io.tributary.config.GroupConfig;
import io.tributary.iceberg.IcebergOptions.CatalogType;
import io.tributary.iceberg.IcebergOptions.SseType;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.TableProperties;

/**
 * The {@code iceberg.s3.*} and {@code iceberg.commit.*} options as Iceberg properties: S3FileIO's
 * catalog properties (endpoint, path style, region, encryption, SDK retries) for every catalog
 * type, and the commit-retry table properties. AWS credentials are never among them: S3FileIO, the
 * Glue and the KMS clients take them from the AWS SDK's default provider chain.
 */
final class S3FileIOSettings {
  /** Iceberg's S3 FileIO (iceberg-aws, in the jobs' jars). */
  static final String S3_FILE_IO = "org.apache.iceberg.aws.s3.S3FileIO";

  // Iceberg 1.10.1's names (org.apache.iceberg.aws.s3.S3FileIOProperties, AwsClientProperties).
  static final String ENDPOINT = "s3.endpoint";
  static final String PATH_STYLE_ACCESS = "s3.path-style-access";
  static final String CLIENT_REGION = "client.region";
  static final String SSE_TYPE = "s3.sse.type";
  static final String SSE_KEY = "s3.sse.key";
  static final String RETRY_NUM_RETRIES = "s3.retry.num-retries";
  static final String RETRY_MIN_WAIT_MS = "s3.retry.min-wait-ms";
  static final String RETRY_MAX_WAIT_MS = "s3.retry.max-wait-ms";

  /** Static credentials S3FileIO would accept as properties; refused here. */
  private static final Set<String> CREDENTIAL_PROPERTIES =
      Set.of("s3.access-key-id", "s3.secret-access-key", "s3.session-token");

  private static final Set<String> S3_SCHEMES = Set.of("s3", "s3a", "s3n");

  private S3FileIOSettings() {}

  /** True for s3://, s3a:// and s3n:// locations. */
  static boolean isS3(String location) {
    int colon = location == null ? -1 : location.indexOf("://");
    return colon > 0 && S3_SCHEMES.contains(location.substring(0, colon).toLowerCase(Locale.ROOT));
  }

  /**
   * Adds the S3 properties to {@code props} (the catalog's properties, already holding the
   * pass-through {@code catalog.properties.*} and the warehouse), collecting problems.
   */
  static void applyCatalogProperties(
      GroupConfig c, CatalogType type, Map<String, String> props, List<String> problems) {
    for (String key : props.keySet()) {
      if (CREDENTIAL_PROPERTIES.contains(key)) {
        problems.add(
            String.format(
                "key 'catalog.properties.%s' in property group '%s' is not accepted: AWS"
                    + " credentials come only from the AWS SDK's default provider chain"
                    + " (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, the instance,"
                    + " task or MSF application role). Remove the key.",
                key, c.id()));
      }
    }
    String warehouse = props.get(CatalogProperties.WAREHOUSE_LOCATION);
    boolean s3Warehouse = isS3(warehouse);
    if (type == CatalogType.HADOOP && s3Warehouse) {
      problems.add(
          String.format(
              "bad value for 'warehouse' in property group '%s': '%s' is on S3, where the hadoop"
                  + " catalog cannot keep tables: it commits by renaming files through a Hadoop"
                  + " file system, which S3 does not do atomically (and the jobs carry no S3A"
                  + " file system). Set catalog.type = jdbc (catalog.uri = jdbc:postgresql://..."
                  + " or jdbc:sqlite:...) with the same warehouse, or rest, or glue.",
              c.id(), warehouse));
    }

    put(c, ENDPOINT, IcebergOptions.S3_ENDPOINT, endpoint(c, problems), props, problems);
    if (c.isSet(IcebergOptions.S3_PATH_STYLE_ACCESS)) {
      put(
          c,
          PATH_STYLE_ACCESS,
          IcebergOptions.S3_PATH_STYLE_ACCESS,
          String.valueOf(c.get(IcebergOptions.S3_PATH_STYLE_ACCESS)),
          props,
          problems);
    }
    put(c, CLIENT_REGION, IcebergOptions.S3_REGION, region(c, problems), props, problems);

    SseType sse = c.get(IcebergOptions.S3_SSE_TYPE);
    String sseKey = c.getOptional(IcebergOptions.S3_SSE_KEY).orElse(null);
    if (sse == SseType.KMS && (sseKey == null || sseKey.isBlank())) {
      problems.add(
          String.format(
              "missing key 's3.sse.key' in property group '%s': s3.sse.type = kms needs the KMS"
                  + " key id, alias or ARN. Set s3.sse.key, or s3.sse.type = s3 for S3-managed"
                  + " keys.",
              c.id()));
    } else if (sse != SseType.KMS && sseKey != null) {
      problems.add(
          String.format(
              "key 's3.sse.key' in property group '%s' is set but s3.sse.type is %s: the key is"
                  + " used only with SSE-KMS. Set s3.sse.type = kms, or remove s3.sse.key.",
              c.id(), sse));
    }
    if (sse != SseType.NONE || c.isSet(IcebergOptions.S3_SSE_TYPE)) {
      put(c, SSE_TYPE, IcebergOptions.S3_SSE_TYPE, sse.toString(), props, problems);
    }
    if (sse == SseType.KMS && sseKey != null) {
      put(c, SSE_KEY, IcebergOptions.S3_SSE_KEY, sseKey.trim(), props, problems);
    }

    int retries = c.get(IcebergOptions.S3_RETRIES);
    Duration min = c.get(IcebergOptions.S3_RETRY_MIN_WAIT);
    Duration max = c.get(IcebergOptions.S3_RETRY_MAX_WAIT);
    checkWaits(
        c, IcebergOptions.S3_RETRY_MIN_WAIT, min, IcebergOptions.S3_RETRY_MAX_WAIT, max, problems);
    put(c, RETRY_NUM_RETRIES, IcebergOptions.S3_RETRIES, String.valueOf(retries), props, problems);
    put(
        c,
        RETRY_MIN_WAIT_MS,
        IcebergOptions.S3_RETRY_MIN_WAIT,
        String.valueOf(min.toMillis()),
        props,
        problems);
    put(
        c,
        RETRY_MAX_WAIT_MS,
        IcebergOptions.S3_RETRY_MAX_WAIT,
        String.valueOf(max.toMillis()),
        props,
        problems);

    // S3FileIO for every catalog whose files are on S3: a hadoop or jdbc catalog would otherwise
    // use HadoopFileIO (no s3:// file system here), and the REST fixture hands clients no FileIO.
    boolean s3 =
        s3Warehouse
            || type == CatalogType.GLUE
            || c.isSet(IcebergOptions.S3_ENDPOINT)
            || c.isSet(IcebergOptions.S3_PATH_STYLE_ACCESS)
            || sse != SseType.NONE;
    if (s3 && type != CatalogType.HADOOP) {
      props.putIfAbsent(CatalogProperties.FILE_IO_IMPL, S3_FILE_IO);
    }
  }

  /** The commit-retry table properties for the tables the suite creates. */
  static void applyTableProperties(
      GroupConfig c, Map<String, String> tableProps, List<String> problems) {
    int retries = c.get(IcebergOptions.COMMIT_RETRIES);
    Duration min = c.get(IcebergOptions.COMMIT_RETRY_MIN_WAIT);
    Duration max = c.get(IcebergOptions.COMMIT_RETRY_MAX_WAIT);
    Duration total = c.get(IcebergOptions.COMMIT_RETRY_TOTAL_TIMEOUT);
    checkWaits(
        c,
        IcebergOptions.COMMIT_RETRY_MIN_WAIT,
        min,
        IcebergOptions.COMMIT_RETRY_MAX_WAIT,
        max,
        problems);
    tableProps.put(TableProperties.COMMIT_NUM_RETRIES, String.valueOf(retries));
    tableProps.put(TableProperties.COMMIT_MIN_RETRY_WAIT_MS, String.valueOf(min.toMillis()));
    tableProps.put(TableProperties.COMMIT_MAX_RETRY_WAIT_MS, String.valueOf(max.toMillis()));
    tableProps.put(TableProperties.COMMIT_TOTAL_RETRY_TIME_MS, String.valueOf(total.toMillis()));
  }

  private static String endpoint(GroupConfig c, List<String> problems) {
    String endpoint = c.getOptional(IcebergOptions.S3_ENDPOINT).orElse(null);
    if (endpoint == null) {
      return null;
    }
    endpoint = endpoint.trim();
    try {
      URI uri = new URI(endpoint);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return endpoint;
      }
    } catch (URISyntaxException e) {
      // Reported below.
    }
    problems.add(
        badValue(
            c,
            IcebergOptions.S3_ENDPOINT,
            "is not an http:// or https:// URL. Write e.g. http://127.0.0.1:9090 or"
                + " https://s3.eu-west-1.amazonaws.com."));
    return null;
  }

  private static String region(GroupConfig c, List<String> problems) {
    String region = c.getOptional(IcebergOptions.S3_REGION).orElse(null);
    if (region == null) {
      return null;
    }
    region = region.trim();
    if (!region.matches("[a-z]{2}(-[a-z0-9]+)+-[0-9]+")) {
      problems.add(
          badValue(
              c,
              IcebergOptions.S3_REGION,
              "is not an AWS region code. Write e.g. us-east-1 or eu-west-1."));
      return null;
    }
    return region;
  }

  private static void checkWaits(
      GroupConfig c,
      ConfigOption<Duration> minOption,
      Duration min,
      ConfigOption<Duration> maxOption,
      Duration max,
      List<String> problems) {
    if (max.compareTo(min) < 0) {
      problems.add(
          badValue(
              c,
              maxOption,
              "is shorter than "
                  + minOption.key()
                  + ". Set it to at least "
                  + org.apache.flink.util.TimeUtils.formatWithHighestUnit(min)
                  + "."));
    }
  }

  /**
   * Puts a property an option maps to. Set in both places (the option and {@code
   * catalog.properties.}) with different values is a problem; a pass-through value wins over an
   * option's default.
   */
  private static void put(
      GroupConfig c,
      String property,
      ConfigOption<?> option,
      String value,
      Map<String, String> props,
      List<String> problems) {
    if (value == null) {
      return;
    }
    String passed = props.get(property);
    if (passed == null) {
      props.put(property, value);
    } else if (c.isSet(option)) {
      if (!passed.equals(value)) {
        problems.add(
            String.format(
                "property group '%s' sets '%s' twice, as '%s' and as 'catalog.properties.%s', with"
                    + " different values. Keep '%s' and remove 'catalog.properties.%s'.",
                c.id(), property, option.key(), property, option.key(), property));
      }
    }
  }

  private static String badValue(GroupConfig c, ConfigOption<?> option, String why) {
    if (c.isSet(option)) {
      return c.invalid(option, why).problems().get(0);
    }
    return String.format(
        "bad value for '%s' in property group '%s': its default %s", option.key(), c.id(), why);
  }
}
