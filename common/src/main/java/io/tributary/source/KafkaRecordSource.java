package io.tributary.source;

import io.tributary.config.ConfigLists;
import io.tributary.config.TributaryConfig;
import io.tributary.source.KafkaOptions.Auth;
import io.tributary.source.KafkaOptions.StartFrom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** Flink's {@link KafkaSource}, emitting raw records with topic, partition and offset. */
final class KafkaRecordSource implements RecordSource {
  private static final long serialVersionUID = 1L;
  private static final Pattern TOPIC_NAME = Pattern.compile("[A-Za-z0-9._-]{1,249}");

  private final String bootstrapServers;
  private final List<String> topics;
  private final String groupId;
  private final StartFrom start;
  private final Long startTimestamp;
  private final boolean bounded;
  private int endAfterCheckpoints; // 0: end at once
  private final Map<String, String> properties;

  private KafkaRecordSource(
      String bootstrapServers,
      List<String> topics,
      String groupId,
      StartFrom start,
      Long startTimestamp,
      boolean bounded,
      Map<String, String> properties) {
    this.bootstrapServers = bootstrapServers;
    this.topics = topics;
    this.groupId = groupId;
    this.start = start;
    this.startTimestamp = startTimestamp;
    this.bounded = bounded;
    this.properties = properties;
  }

  static KafkaRecordSource fromConfig(TributaryConfig c, String jobName, boolean bounded) {
    var g = KafkaOptions.GROUP;
    StartFrom start = c.get(g, KafkaOptions.START);
    Long ts = null;
    if (start == StartFrom.TIMESTAMP) {
      ts = c.get(g, KafkaOptions.START_TIMESTAMP);
    }
    Map<String, String> props = new TreeMap<>(c.passThrough(g, "properties."));
    props.put(
        "partition.discovery.interval.ms",
        String.valueOf(c.get(g, KafkaOptions.PARTITION_DISCOVERY).toMillis()));
    // Offsets go to the broker on checkpoint so lag dashboards work; recovery never reads them.
    props.put("commit.offsets.on.checkpoint", "true");
    if (c.get(g, KafkaOptions.AUTH) == Auth.MSK_IAM) {
      props.putAll(mskIam());
    }
    // Flink splits the list on ';' only; a topic name cannot hold ',' (Kafka allows letters,
    // digits, '.', '_' and '-'), so "a,b" means two topics.
    List<String> topics = new ArrayList<>();
    c.get(g, KafkaOptions.TOPICS).forEach(t -> topics.addAll(ConfigLists.split(t)));
    if (topics.isEmpty()) {
      throw c.invalid(
          g, KafkaOptions.TOPICS, "names no topic. List topics separated by ',' or ';'.");
    }
    for (String t : topics) {
      if (!TOPIC_NAME.matcher(t).matches()) {
        throw c.invalid(
            g,
            KafkaOptions.TOPICS,
            "names '"
                + t
                + "', which is not a Kafka topic name: 1 to 249 letters, digits, '.', '_' or"
                + " '-'. Separate topics with ',' or ';'.");
      }
    }
    return new KafkaRecordSource(
        String.join(",", ConfigLists.split(c.get(g, KafkaOptions.BOOTSTRAP_SERVERS))),
        topics,
        c.getOptional(g, KafkaOptions.GROUP_ID).orElse("tributary-" + jobName),
        start,
        ts,
        bounded,
        props);
  }

  /** The client settings AWS documents for MSK IAM; the handler classes ship in the jar. */
  static Map<String, String> mskIam() {
    return Map.of(
        "security.protocol", "SASL_SSL",
        "sasl.mechanism", "AWS_MSK_IAM",
        "sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;",
        "sasl.client.callback.handler.class",
            "software.amazon.msk.auth.iam.IAMClientCallbackHandler");
  }

  @Override
  public <T> DataStream<T> addTo(
      StreamExecutionEnvironment env,
      RecordDecoder<T> decoder,
      WatermarkStrategy<T> watermarks,
      TypeInformation<T> type) {
    KafkaSourceBuilder<T> b =
        KafkaSource.<T>builder()
            .setBootstrapServers(bootstrapServers)
            .setTopics(topics)
            .setGroupId(groupId)
            .setStartingOffsets(startingOffsets())
            .setDeserializer(new DecodingDeserializer<>(decoder, type));
    Properties p = new Properties();
    p.putAll(properties);
    b.setProperties(p);
    if (bounded) {
      b.setBounded(OffsetsInitializer.latest());
    }
    Source<T, ?, ?> source = b.build();
    if (bounded && endAfterCheckpoints > 0 && env.getCheckpointConfig().isCheckpointingEnabled()) {
      source = new EndAfterCheckpoint<>(source, endAfterCheckpoints);
    }
    return env.fromSource(source, watermarks, "kafka: " + topics, type).uid(uid());
  }

  private OffsetsInitializer startingOffsets() {
    switch (start) {
      case EARLIEST:
        return OffsetsInitializer.earliest();
      case LATEST:
        return OffsetsInitializer.latest();
      case TIMESTAMP:
        return OffsetsInitializer.timestamp(startTimestamp);
      case COMMITTED:
      default:
        return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
    }
  }

  @Override
  public RecordSource endingAfterCheckpoints(int checkpoints) {
    endAfterCheckpoints = checkpoints;
    return this;
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public boolean bounded() {
    return bounded;
  }

  @Override
  public String describe() {
    return "kafka" + topics + " from " + start + (bounded ? ", bounded" : "");
  }

  /** Wraps each Kafka record as a raw record, with its coordinates, and decodes it. */
  static final class DecodingDeserializer<T> implements KafkaRecordDeserializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final RecordDecoder<T> decoder;
    private final TypeInformation<T> type;

    DecodingDeserializer(RecordDecoder<T> decoder, TypeInformation<T> type) {
      this.decoder = decoder;
      this.type = type;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
      decoder.open();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<T> out) {
      out.collect(decoder.decode(RawRecord.fromKafka(r)));
    }

    @Override
    public TypeInformation<T> getProducedType() {
      return type;
    }
  }
}
