package io.tributary.source;

import io.tributary.config.ConfigLists;
import io.tributary.config.ConfigLoader;
import io.tributary.config.GroupConfig;
import io.tributary.config.TributaryConfig;
import io.tributary.source.KafkaOptions.Auth;
import io.tributary.source.KafkaOptions.StartFrom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Flink's {@link KafkaSource}, emitting raw records with topic, partition and offset. */
final class KafkaRecordSource implements RecordSource, Cloneable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(KafkaRecordSource.class);

  private final String bootstrapServers;
  private final List<String> topics;
  private final String groupId;
  private final StartFrom start;
  private final Long startTimestamp;
  private final boolean bounded;
  private int endAfterCheckpoints; // 0: end at once; set only on a copy
  private final Map<String, String> properties;
  private final String job;

  private KafkaRecordSource(
      String bootstrapServers,
      List<String> topics,
      String groupId,
      StartFrom start,
      Long startTimestamp,
      boolean bounded,
      Map<String, String> properties,
      String job) {
    this.bootstrapServers = bootstrapServers;
    this.topics = topics;
    this.groupId = groupId;
    this.start = start;
    this.startTimestamp = startTimestamp;
    this.bounded = bounded;
    this.properties = properties;
    this.job = job;
  }

  static KafkaRecordSource fromConfig(GroupConfig c, String jobName, boolean bounded) {
    StartFrom start = c.get(KafkaOptions.START);
    Long ts = null;
    if (start == StartFrom.TIMESTAMP) {
      ts = c.get(KafkaOptions.START_TIMESTAMP);
    }
    Map<String, String> props = new TreeMap<>(c.passThrough("properties."));
    props.put(
        "partition.discovery.interval.ms",
        String.valueOf(c.get(KafkaOptions.PARTITION_DISCOVERY).toMillis()));
    // Offsets go to the broker on checkpoint so lag dashboards work; recovery never reads them.
    props.put("commit.offsets.on.checkpoint", "true");
    if (c.get(KafkaOptions.AUTH) == Auth.MSK_IAM) {
      props.putAll(mskIam());
    }
    // each topic name was checked with the option
    List<String> topics = KafkaOptions.topics(c);
    return new KafkaRecordSource(
        String.join(",", ConfigLists.split(c.get(KafkaOptions.BOOTSTRAP_SERVERS))),
        topics,
        c.getOptional(KafkaOptions.GROUP_ID).orElse("tributary-" + jobName),
        start,
        ts,
        bounded,
        props,
        jobName);
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
    String lagKey = java.util.UUID.randomUUID().toString();
    KafkaLagSource.properties(p, lagKey);
    b.setProperties(p);
    if (bounded) {
      requireTopics();
      b.setBounded(OffsetsInitializer.latest());
    }
    Source<T, ?, ?> source = new KafkaLagSource<>(b.build(), job, lagKey, topics);
    if (bounded && endAfterCheckpoints > 0 && env.getCheckpointConfig().isCheckpointingEnabled()) {
      source = new EndAfterCheckpoint<>(source, endAfterCheckpoints);
    }
    return env.fromSource(source, watermarks, "kafka: " + topics, type).uid(uid());
  }

  /**
   * A bounded job reads what the topics hold at its start. Flink's enumerator fails on a missing
   * topic and the restart strategy retries it forever, so a bounded job would never end: the topics
   * are looked up here, before the job is submitted, and a missing one stops the start. (An
   * unbounded job keeps Flink's behaviour: the enumerator fails, the job restarts with
   * job.restart.*, and reads the topic once it exists.) Only a topic the broker says is unknown
   * stops the start; an unreachable broker or a denied describe is left to the source, as before.
   */
  private void requireTopics() {
    Properties p = clientProperties(bootstrapServers, properties, AdminClientConfig.configNames());
    // Kafka's admin client refuses an API timeout below its request timeout: a longer
    // request.timeout.ms of the user's raises this check's own default with it.
    p.putIfAbsent(
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
        String.valueOf(Math.max(30_000L, requestTimeoutMillis(p))));
    p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, groupId + "-topic-check");
    List<String> missing = new ArrayList<>();
    List<String> suggestions = new ArrayList<>();
    try (Admin admin = Admin.create(p)) {
      Map<String, KafkaFuture<TopicDescription>> found =
          admin.describeTopics(topics).topicNameValues();
      for (String t : topics) {
        try {
          found.get(t).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof UnknownTopicOrPartitionException) {
            missing.add(t);
          } else {
            LOG.warn(
                "Cannot check that Kafka topic {} exists; the source will: {}",
                t,
                e.getCause().toString());
          }
        } catch (TimeoutException e) {
          LOG.warn("Cannot check that Kafka topic {} exists within 60 s; the source will", t);
        }
      }
      if (!missing.isEmpty()) {
        Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
        for (String t : missing) {
          String hint = ConfigLoader.didYouMean(t, existing);
          if (!hint.isEmpty()) {
            suggestions.add("for '" + t + "':" + hint);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while looking up Kafka topics " + topics, e);
    } catch (ExecutionException | TimeoutException e) {
      // listing topics for a hint failed: report without one
    }
    if (!missing.isEmpty()) {
      throw TributaryConfig.invalid(
          KafkaOptions.GROUP,
          KafkaOptions.TOPICS,
          String.join(";", topics),
          "names "
              + (missing.size() == 1 ? "a topic" : "topics")
              + " that "
              + (missing.size() == 1 ? "does" : "do")
              + " not exist on "
              + bootstrapServers
              + ": "
              + String.join(", ", missing)
              + ". A bounded job (source.bounded = true) reads what the topics hold at its"
              + " start, so it stops here. Create the topic or correct the name."
              + (suggestions.isEmpty() ? "" : " " + String.join(" ", suggestions)));
    }
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
    KafkaRecordSource copy = copy();
    copy.endAfterCheckpoints = checkpoints;
    return copy;
  }

  private KafkaRecordSource copy() {
    try {
      return (KafkaRecordSource) clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * A consumer of its own, with this source's client settings; 30 s per record, retries included.
   */
  @Override
  public RecordRefetch refetch() {
    return new KafkaRefetch(bootstrapServers, properties, java.time.Duration.ofSeconds(30));
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  /** The request timeout the properties set, 0 when they set none (or one Kafka will refuse). */
  private static long requestTimeoutMillis(Properties p) {
    try {
      return Long.parseLong(p.getProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "0").trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * The source's client properties that one kind of Kafka client accepts, plus the brokers. The
   * source's properties are for its consumer; the topic check's admin client and the refetch's own
   * consumer take the subset they know, so security and timeouts carry over without warnings about
   * unknown settings.
   */
  static Properties clientProperties(
      String bootstrapServers, Map<String, String> properties, java.util.Set<String> accepted) {
    Properties p = new Properties();
    properties.forEach(
        (k, v) -> {
          if (accepted.contains(k)) {
            p.put(k, v);
          }
        });
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return p;
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
