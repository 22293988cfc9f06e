package io.tributary.format;

import io.tributary.quality.Reason;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParser;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonToken;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.io.JsonEOFException;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.DeserializationFeature;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectReader;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.NullNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The record-level rules every JSON decoder of Tributary applies before any value is looked at
 * ({@code ingest}'s {@link JsonEventDecoder} and {@code cdc}'s Debezium and DMS decoders), so both
 * dead-letter the same bytes with the same reason and the same words: UTF-8 only, no NUL byte, no
 * duplicate key at any depth, one JSON object and nothing after it, no lone surrogate.
 *
 * <p>An instance holds a reusable UTF-8 decoder and is not thread-safe; the static methods are.
 */
public final class StrictJson {
  private static final Pattern JSON_NUMBER =
      Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
  private static final Pattern JSON_INTEGER = Pattern.compile("-?(0|[1-9][0-9]*)");

  /** Jackson's defaults, but a key twice in one object is an error, not "the last one wins". */
  static final JsonFactory FACTORY =
      new JsonFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /**
   * Trees for the decoders that need one (cdc). Floats are read as BigDecimal: as doubles,
   * 12.345678901234567891 would lose digits, 1e400 would become Infinity and 1e-400 zero, all
   * before any type is known.
   *
   * <p>A key twice is refused by the tree, not the tokenizer: the tree notices it for free when a
   * second value replaces the first, where the tokenizer keeps a set of every object's names (an
   * eighth of a Debezium change's decoding, profiled). The words are made the tokenizer's again in
   * {@link #syntaxError}.
   */
  private static final ObjectMapper TREES =
      new ObjectMapper(new JsonFactory())
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          // as sent: Jackson's default node factory would turn 1.0 into 1 and 12.30 into 12.3
          .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

  /**
   * Reads one tree at the parser's token. A reader fixed to {@link JsonNode} keeps its root
   * deserializer, where {@code TREES.readTree} looks it up in a concurrent map per call (2.4% of
   * the cdc decoder threads' samples, JFR); null as {@link NullNode}, as {@code readTree} reads it.
   */
  private static final ObjectReader TREE = TREES.readerFor(JsonNode.class);

  private static JsonNode tree(JsonParser p) throws IOException {
    JsonNode node = TREE.readValue(p);
    return node == null ? NullNode.getInstance() : node;
  }

  private static final ThreadLocal<StrictJson> PER_THREAD =
      ThreadLocal.withInitial(StrictJson::new);

  private final CharsetDecoder utf8 =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);

  private boolean backslash;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;

  /** A record, or a value in it, that cannot land as sent, with its dead-letter reason. */
  public static class Fault extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public final Reason reason;

    public Fault(Reason reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }

    Fault(Reason reason, String message, Throwable cause) {
      super(message, cause, false, false);
      this.reason = reason;
    }
  }

  /**
   * Checks the bytes of one non-empty record: one pass, UTF-8 decoding only past ASCII. A NUL byte
   * is never JSON outside a string and never inside one unescaped, and is how UTF-16 and UTF-32
   * look.
   *
   * @throws Fault {@code invalid-utf8} or {@code malformed-json}
   */
  public void checkBytes(byte[] v) {
    boolean ascii = true;
    boolean escapes = false;
    int i = 0;
    // Eight bytes at a time while they are ASCII without a NUL (SWAR: in a word of ASCII bytes,
    // (w - ONES) & ~w & HIGHS is non-zero exactly when a byte is zero); from a word with a high or
    // a
    // zero byte on, and for the tail, byte by byte, which names the offset and the reason.
    for (; i + Long.BYTES <= v.length; i += Long.BYTES) {
      long w = (long) LONGS.get(v, i);
      if (((w | ((w - ONES) & ~w)) & HIGHS) != 0) {
        break;
      }
      long b = w ^ BACKSLASHES;
      escapes |= ((b - ONES) & ~b & HIGHS) != 0;
    }
    for (; i < v.length; i++) {
      byte b = v[i];
      if (b < 0) {
        ascii = false;
      } else if (b == 0) {
        boolean wide = zeros(v) * 3 >= v.length; // text in UTF-16 or -32 is a third zeros or more
        throw wide
            ? new Fault(Reason.INVALID_UTF8, "record is UTF-16 or UTF-32, not UTF-8")
            : new Fault(
                Reason.MALFORMED_JSON,
                "a NUL byte at offset " + i + " (JSON allows it only escaped, inside a string)");
      } else if (b == '\\') {
        escapes = true;
      }
    }
    if (!ascii) {
      try {
        utf8.reset().decode(ByteBuffer.wrap(v));
      } catch (CharacterCodingException e) {
        throw new Fault(Reason.INVALID_UTF8, "record is not valid UTF-8: " + e, e);
      }
    }
    backslash = escapes;
  }

  /** Whether the bytes last passed to {@link #checkBytes} hold a backslash (an escape). */
  public boolean hadBackslash() {
    return backslash;
  }

  /**
   * A non-empty record as a tree: {@link #checkBytes}, then exactly one JSON object by the strict
   * tokenizer. Every string in it is free of lone surrogates only if the caller checks ({@link
   * #checkSurrogates}); the tree itself cannot tell an escape from a character.
   *
   * @throws Fault with the same reasons and words as {@code ingest}
   */
  public static JsonNode readObject(byte[] v) {
    PER_THREAD.get().checkBytes(v);
    try {
      return readObjectChecked(v);
    } catch (IOException e) {
      throw syntaxError(e);
    }
  }

  /**
   * {@link #readObject}, for records that repeat one Kafka Connect {@code schema} in every message
   * (Debezium's JSON envelope, where it is most of the bytes), with the same result and the same
   * faults. A record that begins {@code {"schema":} followed by the bytes of a schema object this
   * thread read lately, then a comma, is read without that part: the schema's tree is the one built
   * before, and the rest is read as an object of its own. Anything else, and any record the short
   * way finds fault with, is read whole by {@link #readObject}'s rules, so faults name the same
   * bytes in the same words. Callers must not modify the returned tree.
   */
  public static JsonNode readEnveloped(byte[] v) {
    StrictJson strict = PER_THREAD.get();
    JsonNode known = strict.schemas.afterKnownSchema(v);
    if (known != null) {
      return known;
    }
    strict.checkBytes(v);
    try (JsonParser p = TREES.createParser(v)) {
      expectObject(p.nextToken());
      ObjectNode root = TREES.getNodeFactory().objectNode();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        JsonNode node =
            value == JsonToken.START_OBJECT && "schema".equals(name)
                ? strict.schemas.remember(p, v)
                : tree(p);
        if (root.replace(name, node) != null) {
          throw duplicate(name);
        }
      }
      expectEnd(p);
      return root;
    } catch (IOException e) {
      throw syntaxError(e);
    }
  }

  private final SchemaTrees schemas = new SchemaTrees();

  /** The schema objects (bytes and tree) that led the records a thread read lately. */
  private final class SchemaTrees {
    private static final int MAX = 32;
    private final byte[] prefix = "{\"schema\":".getBytes(StandardCharsets.UTF_8);

    /** Most recently used first. */
    private final List<Map.Entry<byte[], JsonNode>> known = new ArrayList<>();

    /** The record's tree if it leads with a known schema and the rest reads cleanly; else null. */
    JsonNode afterKnownSchema(byte[] v) {
      if (v == null
          || v.length <= prefix.length
          || !Arrays.equals(prefix, 0, prefix.length, v, 0, prefix.length)) {
        return null;
      }
      for (int i = 0; i < known.size(); i++) {
        Map.Entry<byte[], JsonNode> e = known.get(i);
        byte[] schema = e.getKey();
        int end = prefix.length + schema.length;
        if (end < v.length
            && v[end] == ','
            && Arrays.equals(schema, 0, schema.length, v, prefix.length, end)) {
          if (i > 0) {
            known.add(0, known.remove(i));
          }
          return rest(e.getValue(), v, end);
        }
      }
      return null;
    }

    /** {@code {"schema": <known>} joined with the object that {@code {} + v[comma+1..]} is. */
    private JsonNode rest(JsonNode schema, byte[] v, int comma) {
      // After the comma JSON wants a member: "{" + "}" alone would read a trailing comma as valid.
      int next = comma + 1;
      while (next < v.length
          && (v[next] == ' ' || v[next] == '\t' || v[next] == '\n' || v[next] == '\r')) {
        next++;
      }
      if (next == v.length || v[next] != '"') {
        return null;
      }
      byte[] tail = new byte[v.length - comma];
      tail[0] = '{';
      System.arraycopy(v, comma + 1, tail, 1, tail.length - 1);
      JsonNode rest;
      try {
        checkBytes(tail);
        rest = readObjectChecked(tail);
      } catch (Fault | IOException e) {
        return null; // read whole, for the fault's exact words and offsets
      }
      if (rest.has("schema")) {
        return null; // a second "schema": the whole read names the duplicate
      }
      ObjectNode root = TREES.getNodeFactory().objectNode();
      root.set("schema", schema);
      rest.fields().forEachRemaining(f -> root.set(f.getKey(), f.getValue()));
      return root;
    }

    /**
     * The tree of the schema object the parser's current token opens, remembered by its bytes when
     * it leads the record right after {@code {"schema":}, the only place the short way looks.
     */
    JsonNode remember(JsonParser p, byte[] v) throws IOException {
      long from = p.currentTokenLocation().getByteOffset();
      JsonNode tree = tree(p);
      long to = p.currentLocation().getByteOffset();
      if (from == prefix.length
          && to <= v.length
          && v[(int) from] == '{'
          && v[(int) to - 1] == '}') {
        if (known.size() == MAX) {
          known.remove(MAX - 1);
        }
        known.add(0, Map.entry(Arrays.copyOfRange(v, (int) from, (int) to), tree));
      }
      return tree;
    }
  }

  /** One JSON object by the strict tokenizer, the bytes already checked. */
  private static JsonNode readObjectChecked(byte[] v) throws IOException {
    try (JsonParser p = TREES.createParser(v)) {
      expectObject(p.nextToken());
      JsonNode root = tree(p);
      expectEnd(p);
      return root;
    }
  }

  /**
   * A strict tokenizer (a key twice in one object is an error) over a record {@link #checkBytes}
   * passed, for readers that need no tree.
   *
   * @throws Fault as {@link #checkBytes}
   */
  public static JsonParser tokenizer(byte[] v) throws IOException {
    PER_THREAD.get().checkBytes(v);
    return FACTORY.createParser(v);
  }

  /** A tree of a message key, or null when it is not one JSON object (keys are optional). */
  public static JsonNode readKey(byte[] v) {
    try {
      return v == null || v.length == 0 ? null : readEnveloped(v);
    } catch (Fault e) {
      return null;
    }
  }

  /**
   * @throws Fault malformed-json unless {@code first}, the record's first token, opens an object
   */
  static void expectObject(JsonToken first) {
    if (first != JsonToken.START_OBJECT) {
      throw new Fault(
          Reason.MALFORMED_JSON,
          first == null ? "not a JSON object but nothing" : "not a JSON object but " + first);
    }
  }

  /**
   * @throws Fault malformed-json when anything but whitespace follows the object
   */
  static void expectEnd(JsonParser p) throws IOException {
    if (p.nextToken() != null) {
      throw new Fault(
          Reason.MALFORMED_JSON,
          "data after the JSON object, at byte " + p.getTokenLocation().getByteOffset());
    }
  }

  /** Names a syntax error of the tokenizer: an early end, a duplicate key, or broken JSON. */
  public static Fault syntaxError(IOException e) {
    String m =
        firstLine(
            e instanceof JsonProcessingException
                ? ((JsonProcessingException) e).getOriginalMessage()
                : String.valueOf(e.getMessage()));
    if (e instanceof JsonEOFException || m.contains("end-of-input")) {
      return new Fault(Reason.TRUNCATED_JSON, "JSON ends early: " + m, e);
    }
    if (m.startsWith("Duplicate field")) {
      // the tree's words name its own feature; say what the tokenizer says (ingest's words)
      int tree = m.indexOf(" for `ObjectNode`");
      return duplicate(tree < 0 ? m : m.substring(0, tree), e);
    }
    return new Fault(Reason.MALFORMED_JSON, "not valid JSON: " + m, e);
  }

  private static Fault duplicate(String name) {
    return duplicate("Duplicate field '" + name + "'", null);
  }

  private static Fault duplicate(String m, Throwable cause) {
    return new Fault(Reason.DUPLICATE_FIELD, m + " (a key may appear once per object)", cause);
  }

  /**
   * A lone surrogate (only possible through a {@code \\u} escape) has no UTF-8 form.
   *
   * @throws Fault malformed-json naming the field
   */
  public static void checkSurrogates(String s, String field) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new Fault(
            Reason.MALFORMED_JSON,
            String.format(
                "field '%s': the escape \\u%04X is a lone surrogate, not a character",
                field, (int) c));
      }
    }
  }

  /** Whether {@code s} is a JSON number token exactly, with no space, sign + or leading zero. */
  public static boolean isNumber(String s) {
    return JSON_NUMBER.matcher(s).matches();
  }

  /** Whether {@code s} is a JSON integer token exactly. */
  public static boolean isInteger(String s) {
    return JSON_INTEGER.matcher(s).matches();
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    int src = line.indexOf(" at [Source:");
    return src > 0 ? line.substring(0, src) : line;
  }

  private static int zeros(byte[] v) {
    int n = 0;
    for (byte b : v) {
      if (b == 0) {
        n++;
      }
    }
    return n;
  }
}
