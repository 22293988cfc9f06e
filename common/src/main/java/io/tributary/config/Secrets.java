package io.tributary.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which configuration keys hold secrets, and their values masked. Every dump, log line and
 * exception message that can show a configuration value goes through here, so one rule decides what
 * is never printed.
 *
 * <p>A key is secret when it is a header ({@code header.*}: Iceberg's REST client sends those
 * verbatim, {@code header.Authorization} included), or when it contains {@code authorization},
 * {@code token}, {@code secret}, {@code password}, {@code passwd}, {@code credential}, {@code
 * jaas}, {@code key}, or one of the words Flink masks in its own configuration ({@code
 * auth-params}, {@code basic-auth}, {@code http-headers}). Case does not matter. {@code key}
 * catches API keys, access keys, private keys and key stores; the few names with {@code key} whose
 * values are known to be harmless (class names, column names, file locations) are listed in {@link
 * #HARMLESS}. {@code s3.sse.key} stays masked: with SSE-KMS it is a key id or ARN (naming the
 * account), and S3FileIO's SSE-C would take the key itself under the same name.
 */
public final class Secrets {
  /** What a secret value is shown as. */
  public static final String MASK = "****";

  /** Words that name a credential outright. */
  private static final Pattern CREDENTIAL_WORD =
      Pattern.compile(
          "authorization|token|secret|password|passwd|credential|jaas|auth-params|basic-auth"
              + "|http-headers");

  /**
   * Key names with {@code key} in them whose values are not secret, matched as the whole key or its
   * last dot-separated part(s): Kafka's (de)serializer class names, key-store file locations and
   * types (their passwords stay masked), and the {@code cdc} option naming key columns.
   */
  static final List<String> HARMLESS =
      List.of(
          "key.deserializer",
          "key.serializer",
          "ssl.keystore.location",
          "ssl.keystore.type",
          "primary-keys");

  private Secrets() {}

  /** True when values of {@code key} (with or without group and pass-through prefix) are secret. */
  public static boolean isSecret(String key) {
    return isCredential(key) || (key != null && !harmless(key) && lower(key).contains("key"));
  }

  /**
   * True when {@code key} names a credential outright: a header or one of the words above other
   * than {@code key}, which also occurs in harmless names ({@code keyed}, {@code keytab}).
   */
  public static boolean isCredential(String key) {
    if (key == null) {
      return false;
    }
    String k = lower(key);
    if (k.startsWith("header.") || k.contains(".header.")) {
      return true;
    }
    return !harmless(key) && CREDENTIAL_WORD.matcher(k).find();
  }

  private static boolean harmless(String key) {
    String k = lower(key);
    for (String harmless : HARMLESS) {
      if (k.equals(harmless) || k.endsWith("." + harmless)) {
        return true;
      }
    }
    return false;
  }

  private static String lower(String key) {
    return key.toLowerCase(Locale.ROOT);
  }

  /**
   * A URL's password ({@code scheme://user:password@host}), wherever it stands in a value: any
   * option taking a URL (a registry, a catalog, a JDBC database) could be given one.
   */
  private static final Pattern URL_PASSWORD =
      Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://[^/@\\s:]*):[^/@\\s]*@");

  /**
   * {@code value}, or {@link #MASK} when {@code key} is secret (null stays null); in any other
   * value, the password of a URL is masked ({@code http://user:****@host}).
   */
  public static String mask(String key, String value) {
    if (value == null) {
      return null;
    }
    return isSecret(key) ? MASK : maskUrlPasswords(value);
  }

  /** {@code value} with the password of every URL in it masked. */
  public static String maskUrlPasswords(String value) {
    return URL_PASSWORD.matcher(value).replaceAll("$1:" + MASK + "@");
  }

  /** A copy of {@code values} with every secret value masked, in the same order. */
  public static Map<String, String> mask(Map<String, String> values) {
    Map<String, String> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, mask(k, v)));
    return out;
  }

  /**
   * A command line as {@link ConfigLoader} reads it ({@code --group.key value} or {@code
   * --group.key=value}) with the values of secret keys masked: safe to print back to the user.
   */
  public static String maskCommandLine(String[] args) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (sb.length() > 0) {
        sb.append(' ');
      }
      if (!a.startsWith("--")) {
        sb.append(a);
        continue;
      }
      int eq = a.indexOf('=');
      if (eq >= 0) {
        sb.append(a, 0, eq + 1).append(mask(a.substring(2, eq), a.substring(eq + 1)));
      } else {
        sb.append(a);
        if (i + 1 < args.length) {
          sb.append(' ').append(mask(a.substring(2), args[++i]));
        }
      }
    }
    return sb.toString();
  }
}
