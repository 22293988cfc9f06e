package io.tributary.format;

import io.tributary.config.EnumNames;
import io.tributary.config.OptionGroup;
import io.tributary.config.Options;
import io.tributary.config.Patterns;
import io.tributary.config.Ranges;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;

/** How events are decoded and validated, and where their event time is. */
public final class FormatOptions {
  private FormatOptions() {}

  /** How the events are encoded. */
  public enum Type {
    /** JSON, against format.schema. */
    JSON,
    /**
     * Avro binary in the Confluent wire format (magic byte 0, 4-byte schema id), the writer schema
     * fetched from a Confluent-compatible registry (Confluent, Apicurio ccompat, Karapace,
     * Redpanda).
     */
    AVRO_CONFLUENT,
    /**
     * Avro binary in the AWS Glue Schema Registry wire format (header byte 3, compression byte,
     * 16-byte schema version id), the writer schema fetched from Glue.
     */
    AVRO_GLUE;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  /** How timestamps are written in the JSON. */
  public enum TimestampStyle {
    /** {@code 2026-11-25T10:15:30.123Z} (and without Z for TIMESTAMP). */
    ISO_8601,
    /** {@code 2026-11-25 10:15:30.123}. */
    SQL;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  /**
   * Conversions a user may switch on where a producer writes values loosely. Each one changes
   * exactly what its description says and nothing else; without them a value that does not mean
   * exactly one value of its column's type is a {@code wrong-type} dead letter.
   */
  public enum Lenient {
    /**
     * A JSON string holding a JSON number ({@code "12"}, {@code "12.50"}) is read as that number,
     * by the same strict rules as a number: {@code "1.5"} is still refused for an INT.
     */
    NUMBERS_FROM_STRINGS,
    /** A DECIMAL value with more decimal places than the column holds is rounded half-up. */
    ROUND_DECIMALS,
    /** Timestamp fraction digits beyond the column's precision are cut off (towards the past). */
    TRUNCATE_TIMESTAMPS;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  public static final ConfigOption<Type> TYPE =
      Options.key("type")
          .enumType(Type.class)
          .defaultValue(Type.JSON)
          .withDescription(
              "How ingest and aggregate events are encoded. json: against format.schema."
                  + " avro-confluent: Avro in the Confluent wire format, schemas from the"
                  + " Confluent-compatible registry at format.registry.url. avro-glue: Avro in the"
                  + " AWS Glue Schema Registry wire format, schemas from format.registry.glue.*."
                  + " With Avro the table's schema is the registry's latest schema of"
                  + " format.registry.subject (Glue: the schema format.registry.glue.schema-name),"
                  + " and format.schema must not be set. cdc takes its format from cdc.format;"
                  + " its Avro formats use the registry options here. See docs/avro.md.");

  public static final ConfigOption<String> REGISTRY_URL =
      Patterns.checked(
          "an http:// or https:// URL",
          url ->
              !url.startsWith("http://") && !url.startsWith("https://")
                  ? Optional.of("is not an http:// or https:// URL. Fix the URL.")
                  : url.matches("https?://[^/@]*@.*")
                      ? Optional.of(
                          "carries credentials before '@', which would then sit in the"
                              + " configuration and the job graph. Remove them from the URL and"
                              + " set format.registry.user-info-env to the name of an"
                              + " environment variable holding user:password.")
                      : Optional.empty(),
          Options.key("registry.url")
              .stringType()
              .noDefaultValue()
              .withDescription(
                  "Base URL of the Confluent-compatible schema registry REST API, e.g."
                      + " `http://registry:8081` (Confluent, Karapace, Redpanda) or"
                      + " `http://apicurio:8080/apis/ccompat/v7` (Apicurio). Required for"
                      + " avro-confluent and debezium-avro-confluent."));

  public static final ConfigOption<String> REGISTRY_USER_INFO_ENV =
      Patterns.matching(
          "[A-Za-z_][A-Za-z0-9_]*",
          "the name of an environment variable, e.g. SCHEMA_REGISTRY_USER_INFO",
          Options.key("registry.user-info-env")
              .stringType()
              .noDefaultValue()
              .withDescription(
                  "For a Confluent-compatible registry that requires HTTP basic auth: the name of"
                      + " the environment variable holding its `user:password`, e.g."
                      + " `SCHEMA_REGISTRY_USER_INFO`. The variable must be set for the job's"
                      + " client (it reads the table's schema at start-up) and for every"
                      + " TaskManager; each reads it when it opens the registry, so the"
                      + " credentials are never in the configuration, its dumps, the logs or the"
                      + " job graph. Unset: no credentials are sent. A registry that refuses them"
                      + " (HTTP 401 or 403) fails the job at once, without retries. Glue takes its"
                      + " credentials from the AWS SDK's default provider chain."));

  public static final ConfigOption<String> REGISTRY_SUBJECT =
      Options.key("registry.subject")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "The registry subject whose latest schema is the table's schema, e.g."
                  + " `orders-value`. Required for format.type = avro-confluent.");

  public static final ConfigOption<String> GLUE_REGISTRY =
      Options.key("registry.glue.registry-name")
          .stringType()
          .defaultValue("default-registry")
          .withDescription("The AWS Glue Schema Registry registry holding the schema.");

  public static final ConfigOption<String> GLUE_SCHEMA =
      Options.key("registry.glue.schema-name")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "The Glue schema whose latest version is the table's schema. Required for"
                  + " format.type = avro-glue.");

  public static final ConfigOption<String> GLUE_REGION =
      Options.key("registry.glue.region")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "The Glue Schema Registry's AWS region. Default: the SDK's region chain"
                  + " (AWS_REGION, profile, instance metadata).");

  public static final ConfigOption<String> GLUE_ENDPOINT =
      Options.key("registry.glue.endpoint")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "An endpoint override for the Glue API (a VPC endpoint, or a local test server).");

  public static final ConfigOption<Duration> REGISTRY_TIMEOUT =
      Ranges.atLeast(
          Duration.ofMillis(1),
          Options.key("registry.request-timeout")
              .durationType()
              .defaultValue(Duration.ofSeconds(10))
              .withDescription("How long one registry request may take before it is retried."));

  public static final ConfigOption<Duration> REGISTRY_INITIAL_BACKOFF =
      Ranges.atLeast(
          Duration.ofMillis(1),
          Options.key("registry.retry.initial-backoff")
              .durationType()
              .defaultValue(Duration.ofMillis(200))
              .withDescription(
                  "The wait before the first retry of a failed registry request; each retry"
                      + " doubles it, up to registry.retry.max-backoff."));

  public static final ConfigOption<Duration> REGISTRY_MAX_BACKOFF =
      Ranges.atLeast(
          Duration.ofMillis(1),
          Options.key("registry.retry.max-backoff")
              .durationType()
              .defaultValue(Duration.ofSeconds(10))
              .withDescription("The longest wait between two registry retries."));

  public static final ConfigOption<Integer> REGISTRY_ATTEMPTS =
      Ranges.between(
          1,
          100,
          Options.key("registry.retry.max-attempts")
              .intType()
              .defaultValue(8)
              .withDescription(
                  "Attempts at one registry request (unreachable, timed out, HTTP 5xx or 429)"
                      + " before the job fails; Flink's restart strategy then takes over. A"
                      + " schema the registry says does not exist is not retried: its record is a"
                      + " dead letter (unknown-schema)."));

  public static final ConfigOption<String> SCHEMA =
      Options.key("schema")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "The event's fields in Flink SQL type syntax, e.g. `user_id STRING NOT NULL,"
                  + " amount DECIMAL(12, 2), ts TIMESTAMP_LTZ(3) NOT NULL`. NOT NULL marks a"
                  + " required field. JSON fields not listed are ignored. Required for"
                  + " format.type = json; with Avro the schema comes from the registry.");

  public static final ConfigOption<String> EVENT_TIME_FIELD =
      Options.key("event-time.field")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "The field holding event time: TIMESTAMP(p), TIMESTAMP_LTZ(p) or BIGINT epoch"
                  + " millis. Required.");

  public static final ConfigOption<Duration> MAX_OUT_OF_ORDERNESS =
      Ranges.atLeast(
          Duration.ZERO,
          Options.key("event-time.max-out-of-orderness")
              .durationType()
              .defaultValue(Duration.ofSeconds(5))
              .withDescription("How far behind the newest event time an event may arrive."));

  public static final ConfigOption<Duration> IDLENESS =
      Ranges.atLeast(
          Duration.ZERO,
          " (0: off)",
          Options.key("event-time.idleness")
              .durationType()
              .defaultValue(Duration.ofSeconds(30))
              .withDescription(
                  "A reader with no events for this long stops holding watermarks back. 0 turns it"
                      + " off."));

  public static final ConfigOption<Duration> MAX_FUTURE =
      Ranges.atLeast(
          Duration.ZERO,
          Options.key("event-time.max-future")
              .durationType()
              .defaultValue(Duration.ofHours(1))
              .withDescription(
                  "Events more than this ahead of the wall clock are dead-lettered, so one bad clock"
                      + " cannot push watermarks ahead."));

  public static final ConfigOption<Duration> MAX_PAST =
      Ranges.atLeast(
          Duration.ZERO,
          Options.key("event-time.max-past")
              .durationType()
              .defaultValue(Duration.ofDays(365))
              .withDescription(
                  "Events more than this behind the wall clock are dead-lettered. Raise it for"
                      + " backfills of older data."));

  public static final ConfigOption<TimestampStyle> TIMESTAMP_FORMAT =
      Options.key("timestamp-format")
          .enumType(TimestampStyle.class)
          .defaultValue(TimestampStyle.ISO_8601)
          .withDescription("How TIMESTAMP and TIMESTAMP_LTZ fields are written in the JSON.");

  public static final ConfigOption<MemorySize> MAX_RECORD_SIZE =
      Ranges.atLeast(
          MemorySize.parse("1b"),
          Options.key("max-record-size")
              .memoryType()
              .defaultValue(MemorySize.parse("1mb"))
              .withDescription(
                  "Records larger than this are dead-lettered (reason too-large) without parsing."));

  public static final ConfigOption<List<Lenient>> LENIENT =
      Options.key("lenient")
          .enumType(Lenient.class)
          .asList()
          .defaultValues()
          .withDescription(
              "Opt-in loose conversions, separated by ';'. By default every value must mean exactly"
                  + " one value of its column's type, or the record is dead-lettered as"
                  + " wrong-type: no rounding, no numbers from strings, no cut-off fractions."
                  + " `numbers-from-strings`: a string holding a JSON number is read as that"
                  + " number, by the same rules. `round-decimals`: DECIMAL values with more places"
                  + " than the column are rounded half-up. `truncate-timestamps`: timestamp"
                  + " fraction digits past the column's precision are cut off. They apply to cdc"
                  + " column values too.");

  public static final OptionGroup GROUP =
      OptionGroup.of(
              "format", "The events' encoding, schema, schema registry, validation and event time.")
          .add(
              TYPE,
              REGISTRY_URL,
              REGISTRY_USER_INFO_ENV,
              REGISTRY_SUBJECT,
              GLUE_REGISTRY,
              GLUE_SCHEMA,
              GLUE_REGION,
              GLUE_ENDPOINT,
              REGISTRY_TIMEOUT,
              REGISTRY_INITIAL_BACKOFF,
              REGISTRY_MAX_BACKOFF,
              REGISTRY_ATTEMPTS,
              SCHEMA,
              EVENT_TIME_FIELD,
              MAX_OUT_OF_ORDERNESS,
              IDLENESS,
              MAX_FUTURE,
              MAX_PAST,
              TIMESTAMP_FORMAT,
              MAX_RECORD_SIZE,
              LENIENT);
}
