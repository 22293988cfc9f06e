package io.tributary.testing;

import io.tributary.stack.Kafka;
import io.tributary.stack.Ports;
import io.tributary.stack.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real single-node Kafka broker (KRaft), started by the local stack's {@link Kafka} launcher (the
 * one {@code bin/stack} uses) in its own JVM, on 127.0.0.1 and free ports, its data in a temporary
 * directory that {@link #close()} deletes; plus the admin client and producer tests need. {@link
 * #connect} gives the same helpers for a broker someone else runs.
 *
 * <pre>{@code
 * try (KafkaServer kafka = KafkaServer.start()) {
 *   kafka.createTopic("events", 2);
 *   kafka.send("events", 0, key, value);
 * }
 * }</pre>
 */
public final class KafkaServer implements AutoCloseable {
  /** Largest record the broker and {@link #send} accept. */
  public static final int MAX_MESSAGE_BYTES = Kafka.MAX_MESSAGE_BYTES;

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
  // Kafka's own default; a record that was never acknowledged is not resent by hand, as that
  // could write it twice.
  private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(120);
  private static final long POLL_MILLIS = 100;

  private final Path dir; // null when connected to a broker this object did not start
  private final String bootstrapServers;
  private final Thread shutdownHook;
  private volatile ServerProcess process;
  private Admin admin;
  private KafkaProducer<byte[], byte[]> producer;
  private boolean closed;

  private KafkaServer(Path dir, String bootstrapServers) {
    this.dir = dir;
    this.bootstrapServers = bootstrapServers;
    shutdownHook = new Thread(this::killProcess, "kafka-server-shutdown-" + bootstrapServers);
  }

  /** Starts a broker and waits until it answers; throws with the tail of its log if it does not. */
  public static KafkaServer start() {
    Path dir;
    try {
      dir = Files.createTempDirectory("kafka-server-");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot prepare the Kafka server directory", e);
    }
    int[] ports = Ports.free(2);
    KafkaServer server = new KafkaServer(dir, "127.0.0.1:" + ports[0]);
    try {
      Runtime.getRuntime().addShutdownHook(server.shutdownHook);
      server.process = Kafka.start(dir, dir.resolve("kafka.log"), ports[0], ports[1]);
      server.awaitReady();
      return server;
    } catch (RuntimeException | Error e) {
      try {
        server.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Clients for a broker that runs already (e.g. the local stack's); closing stops nothing. */
  public static KafkaServer connect(String bootstrapServers) {
    return new KafkaServer(null, bootstrapServers);
  }

  /** {@code 127.0.0.1:<port>}, for clients' {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Creates a topic (replication factor 1) and waits until every partition has a leader. */
  public synchronized void createTopic(String name, int partitions) {
    Admin admin = admin();
    await(
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all(),
        "create topic " + name);
    long deadline = System.nanoTime() + CLIENT_TIMEOUT.toNanos();
    while (true) {
      try {
        TopicDescription description =
            admin
                .describeTopics(List.of(name))
                .topicNameValues()
                .get(name)
                .get(CLIENT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        List<TopicPartitionInfo> infos = description.partitions();
        if (infos.size() == partitions && infos.stream().allMatch(p -> p.leader() != null)) {
          return;
        }
      } catch (ExecutionException e) {
        // Metadata not propagated yet; try again.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for topic " + name, e);
      } catch (TimeoutException e) {
        // Fall through to the deadline check.
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "Topic " + name + " has no leader for every partition after " + CLIENT_TIMEOUT);
      }
      sleep(POLL_MILLIS);
    }
  }

  /**
   * Sends one record ({@code partition} and {@code value} may be null; a null value is a
   * tombstone), flushes, and returns where it landed.
   */
  public RecordMetadata send(String topic, Integer partition, byte[] key, byte[] value) {
    return sendAll(topic, List.of(new ProducerRecord<>(topic, partition, key, value))).get(0);
  }

  /**
   * Sends records in order, flushes, and returns their metadata in the same order. Each record's
   * own topic is used; {@code topic} only names the batch in error messages.
   */
  public synchronized List<RecordMetadata> sendAll(
      String topic, List<ProducerRecord<byte[], byte[]>> records) {
    KafkaProducer<byte[], byte[]> producer = producer();
    List<Future<RecordMetadata>> futures = new ArrayList<>(records.size());
    for (ProducerRecord<byte[], byte[]> record : records) {
      futures.add(producer.send(record));
    }
    producer.flush();
    List<RecordMetadata> metadata = new ArrayList<>(futures.size());
    for (Future<RecordMetadata> future : futures) {
      metadata.add(await(future, "send to " + topic, DELIVERY_TIMEOUT.plusSeconds(10)));
    }
    return metadata;
  }

  /** The sum over all partitions of the offsets a consumer group has committed; 0 if none. */
  public synchronized long committedOffsets(String groupId) {
    return await(
            admin().listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata(),
            "list offsets of " + groupId)
        .values()
        .stream()
        .filter(java.util.Objects::nonNull)
        .mapToLong(org.apache.kafka.clients.consumer.OffsetAndMetadata::offset)
        .sum();
  }

  /**
   * Makes a running broker look freshly started to the next test class: new clients (an idempotent
   * producer keeps sequence numbers per partition name, which a re-created topic would refuse),
   * every topic and consumer group deleted, and their deletion awaited, so names can be reused.
   */
  public synchronized void reset() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
      producer = null;
    }
    Admin admin = admin();
    Set<String> topics = await(admin.listTopics().names(), "list topics");
    if (!topics.isEmpty()) {
      await(admin.deleteTopics(topics).all(), "delete topics " + topics);
    }
    List<String> groups =
        await(admin.listConsumerGroups().all(), "list consumer groups").stream()
            .map(ConsumerGroupListing::groupId)
            .collect(Collectors.toList());
    // A group listed a moment ago may be gone by now (the coordinator removes empty groups when
    // their offsets are deleted with their topics): only a group still there must be deleted.
    admin
        .deleteConsumerGroups(groups)
        .deletedGroups()
        .forEach(
            (group, deleted) -> {
              try {
                await(deleted, "delete consumer group " + group);
              } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                  throw e;
                }
              }
            });
    long deadline = System.nanoTime() + CLIENT_TIMEOUT.toNanos();
    while (!await(admin.listTopics().names(), "list topics").isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Topics still listed " + CLIENT_TIMEOUT + " after delete");
      }
      sleep(POLL_MILLIS);
    }
  }

  /** Closes the clients, stops the broker (by its process) and deletes its directory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException failure = null;
    if (producer != null) {
      try {
        producer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    if (admin != null) {
      try {
        admin.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        failure = addTo(failure, e);
      }
    }
    if (dir == null) {
      if (failure != null) {
        throw failure;
      }
      return;
    }
    if (process != null) {
      process.stop();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // Already shutting down, or never registered.
    }
    try {
      deleteRecursively(dir);
    } catch (IOException | UncheckedIOException e) {
      failure = addTo(failure, new IllegalStateException("Cannot delete " + dir, e));
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "KafkaServer[" + bootstrapServers + (dir == null ? "" : ", " + dir) + "]";
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Admin admin = admin();
    Exception last = null;
    while (true) {
      if (!process.isAlive()) {
        throw failure("Kafka broker exited while starting", last);
      }
      try {
        Collection<Node> nodes = admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
        if (!nodes.isEmpty()) {
          return;
        }
      } catch (ExecutionException | TimeoutException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw failure("Interrupted while waiting for the Kafka broker", e);
      }
      if (System.nanoTime() > deadline) {
        throw failure("Kafka broker not ready within " + START_TIMEOUT, last);
      }
      sleep(POLL_MILLIS);
    }
  }

  private synchronized Admin admin() {
    if (admin == null) {
      Properties props = new Properties();
      props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
      props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
      props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
      props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
      props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
      props.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "50");
      props.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "200");
      admin = Admin.create(props);
    }
    return admin;
  }

  private synchronized KafkaProducer<byte[], byte[]> producer() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
    if (producer == null) {
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(MAX_MESSAGE_BYTES));
      props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
      // One request in flight per partition. With more, a partition created a moment ago can
      // answer the first batch NOT_LEADER_OR_FOLLOWER and the next ones
      // OUT_OF_ORDER_SEQUENCE_NUMBER,
      // and kafka-clients 3.9's idempotent producer then retries the later batches until they
      // expire (seen in CI: S3IngestTest's second and third topics, 120 s each). Bigger batches
      // keep preloading the benchmark's millions of records fast.
      props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
      props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(512 * 1024));
      props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
      props.put(
          ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(DELIVERY_TIMEOUT.toMillis()));
      props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
      producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  /** The shutdown hook: no waiting for a graceful stop, just make sure nothing outlives us. */
  private void killProcess() {
    ServerProcess p = process;
    if (p != null && p.isAlive()) {
      p.kill();
    }
  }

  private IllegalStateException failure(String message, Throwable cause) {
    IllegalStateException e = process.failure(message + " (" + this + ")");
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  private <T> T await(Future<T> future, String what) {
    return await(future, what, CLIENT_TIMEOUT);
  }

  private <T> T await(Future<T> future, String what, Duration timeout) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Cannot " + what + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Timed out trying to " + what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted trying to " + what, e);
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.deleteIfExists(path);
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    }
  }

  private static RuntimeException addTo(RuntimeException failure, RuntimeException e) {
    if (failure == null) {
      return e;
    }
    failure.addSuppressed(e);
    return failure;
  }
}
