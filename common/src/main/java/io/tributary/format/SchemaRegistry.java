package io.tributary.format;

import io.tributary.config.GroupConfig;
import io.tributary.quality.Reason;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where registry-framed Avro records get their writer schemas: the wire header names a schema (a
 * Confluent schema id, a Glue schema version id), the registry holds its text. Schemas are
 * immutable once registered, so each is fetched once per task and kept.
 *
 * <p>A failed request is retried with exponential backoff up to a cap; when the attempts run out
 * the job fails ({@link Unavailable}), as it would with its source unreachable, and Flink's restart
 * strategy decides what next. A schema the registry answers does not exist is not a failure of the
 * registry but of the record: {@link #schema} returns null and the record becomes an {@code
 * unknown-schema} dead letter. A registry that refuses the credentials ({@link Unauthorized}) fails
 * the job at once: repeating the request cannot fix them.
 */
public abstract class SchemaRegistry implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistry.class);

  /** A record's header parsed: which schema wrote the body, and the body. */
  public static final class Frame {
    public final String schemaRef;
    public final byte[] body;
    public final int offset;

    public Frame(String schemaRef, byte[] body, int offset) {
      this.schemaRef = schemaRef;
      this.body = body;
      this.offset = offset;
    }
  }

  /** The registry could not be reached or would not answer within the retries: fail the job. */
  public static class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The registry refused the credentials (or their absence): retrying cannot help, so the job fails
   * at once with a message naming the option and the fix.
   */
  public static final class Unauthorized extends Unavailable {
    private static final long serialVersionUID = 1L;

    Unauthorized(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** An answer that refuses the request's credentials (HTTP 401 or 403). */
  protected static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;

    public Refused(String message) {
      super(message);
    }
  }

  /** A request that may succeed if repeated (connection refused, timeout, HTTP 5xx or 429). */
  protected static final class Transient extends IOException {
    private static final long serialVersionUID = 1L;

    public Transient(String message) {
      super(message);
    }
  }

  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final int attempts;
  private transient Map<String, Schema> cache;

  protected SchemaRegistry(Duration initialBackoff, Duration maxBackoff, int attempts) {
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.attempts = attempts;
  }

  /** The registry the {@code format} group configures for this format type, checked at start-up. */
  public static SchemaRegistry fromConfig(GroupConfig c, FormatOptions.Type type) {
    return fromConfig(c, type, System::getenv);
  }

  /** The same, reading environment variables from {@code env} (tests). */
  static SchemaRegistry fromConfig(
      GroupConfig c, FormatOptions.Type type, Function<String, String> env) {
    Duration initial = c.get(FormatOptions.REGISTRY_INITIAL_BACKOFF);
    Duration max = c.get(FormatOptions.REGISTRY_MAX_BACKOFF);
    if (max.compareTo(initial) < 0) {
      throw c.invalid(
          FormatOptions.REGISTRY_MAX_BACKOFF,
          "is shorter than format.registry.retry.initial-backoff ("
              + initial
              + "). Set it to at least that.");
    }
    int attempts = c.get(FormatOptions.REGISTRY_ATTEMPTS);
    Duration timeout = c.get(FormatOptions.REGISTRY_TIMEOUT);
    switch (type) {
      case AVRO_CONFLUENT:
        String url =
            c.getOptional(FormatOptions.REGISTRY_URL)
                .orElseThrow(
                    () ->
                        c.invalid(
                            FormatOptions.REGISTRY_URL,
                            "is not set. Set it to the Confluent-compatible registry's base URL,"
                                + " e.g. http://registry:8081."));
        // its form (http or https) was checked with the option, by TributaryConfig.validate
        String userInfoEnv = c.getOptional(FormatOptions.REGISTRY_USER_INFO_ENV).orElse(null);
        if (userInfoEnv != null) {
          // checked here too so that a missing variable stops the job before it is submitted
          ConfluentRegistry.userInfoProblem(userInfoEnv, env.apply(userInfoEnv), "this process")
              .ifPresent(
                  why -> {
                    throw c.invalid(FormatOptions.REGISTRY_USER_INFO_ENV, why);
                  });
        }
        return new ConfluentRegistry(url, userInfoEnv, timeout, initial, max, attempts);
      case AVRO_GLUE:
        return new GlueRegistry(
            c.get(FormatOptions.GLUE_REGISTRY),
            c.getOptional(FormatOptions.GLUE_REGION).orElse(null),
            c.getOptional(FormatOptions.GLUE_ENDPOINT).orElse(null),
            timeout,
            initial,
            max,
            attempts);
      default:
        throw new IllegalArgumentException(type + " has no schema registry");
    }
  }

  /** Opens clients; called once per task before the first record. */
  public void open() {
    cache = new ConcurrentHashMap<>();
  }

  /**
   * Splits the wire header from the Avro body.
   *
   * @throws StrictJson.Fault {@code malformed-avro} when the bytes are not this wire format
   */
  public abstract Frame frame(byte[] record);

  /** How a schema is named in messages: "schema id 7", "schema version 0b4c...". */
  public abstract String describe(String schemaRef);

  /**
   * The schema's text, or null when the registry says it has no such schema.
   *
   * @throws Transient when the request may succeed if repeated
   * @throws IOException when it will not (refused credentials, a malformed answer)
   */
  protected abstract String fetch(String schemaRef) throws IOException;

  /**
   * The latest schema of a subject (Confluent) or schema (Glue): the table's schema at start-up.
   *
   * @return null when the registry does not know the subject
   */
  protected abstract String fetchLatest(String subject) throws IOException;

  /**
   * The writer schema {@code ref} names, fetched once and kept; null when the registry does not
   * know it.
   *
   * @throws StrictJson.Fault {@code malformed-avro} when the registry's text is not an Avro schema
   * @throws Unavailable when the registry cannot be reached within the retries
   * @throws Unauthorized when the registry refuses the credentials
   */
  public Schema schema(String schemaRef) {
    Schema known = cache.get(schemaRef);
    if (known != null) {
      return known;
    }
    String text = retrying(() -> fetch(schemaRef), describe(schemaRef));
    if (text == null) {
      return null;
    }
    Schema s;
    try {
      s = new Schema.Parser().parse(text);
    } catch (SchemaParseException e) {
      throw new StrictJson.Fault(
          Reason.MALFORMED_AVRO,
          "the registry's " + describe(schemaRef) + " is not an Avro schema: " + e.getMessage(),
          e);
    }
    cache.put(schemaRef, s);
    return s;
  }

  /**
   * The latest schema of {@code subject}, for the table's schema at start-up.
   *
   * @throws IllegalArgumentException when the registry does not know the subject or its text is no
   *     Avro schema
   * @throws Unavailable when the registry cannot be reached within the retries
   */
  public Schema latest(String subject) {
    String text = retrying(() -> fetchLatest(subject), "the latest schema of " + subject);
    if (text == null) {
      throw new IllegalArgumentException("the registry has no subject " + subject);
    }
    try {
      return new Schema.Parser().parse(text);
    } catch (SchemaParseException e) {
      throw new IllegalArgumentException(
          "the latest schema of " + subject + " is not an Avro schema: " + e.getMessage(), e);
    }
  }

  private interface Request {
    String call() throws IOException;
  }

  private String retrying(Request request, String what) {
    long backoff = initialBackoff.toMillis();
    for (int attempt = 1; ; attempt++) {
      try {
        return request.call();
      } catch (Transient e) {
        if (attempt >= attempts) {
          throw new Unavailable(
              "the schema registry did not answer for "
                  + what
                  + " after "
                  + attempts
                  + " attempts (format.registry.retry.max-attempts): "
                  + e.getMessage(),
              e);
        }
        LOG.warn("Schema registry request for {} failed ({}); retrying in {} ms", what, e, backoff);
        sleep(backoff);
        backoff = Math.min(backoff * 2, maxBackoff.toMillis());
      } catch (Refused e) {
        throw new Unauthorized(
            "the schema registry refused the request for " + what + ": " + e.getMessage(), e);
      } catch (IOException e) {
        throw new Unavailable(
            "the schema registry refused the request for " + what + ": " + e.getMessage(), e);
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while waiting to retry the schema registry", e);
    }
  }
}
