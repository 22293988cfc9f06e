package io.tributary.testing;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one) running in its own JVM,
 * started from the {@code kafka_2.13} jars on the test classpath. It listens on 127.0.0.1 only, on
 * ports picked at start, and keeps its data and log in a temporary directory that {@link #close()}
 * deletes.
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
  public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
  private static final long POLL_MILLIS = 100;
  private static final int LOG_TAIL_BYTES = 8 * 1024;

  private final Path dir;
  private final Path logFile;
  private final int brokerPort;
  private final int controllerPort;
  private final Thread shutdownHook;
  private volatile Process process;
  private Admin admin;
  private KafkaProducer<byte[], byte[]> producer;
  private boolean closed;

  private KafkaServer() throws IOException {
    dir = Files.createTempDirectory("kafka-server-");
    logFile = dir.resolve("kafka.log");
    int[] ports = freePorts(2);
    brokerPort = ports[0];
    controllerPort = ports[1];
    shutdownHook = new Thread(this::killProcess, "kafka-server-shutdown-" + brokerPort);
  }

  /** Starts a broker and waits until it answers; throws with the tail of its log if it does not. */
  public static KafkaServer start() {
    KafkaServer server;
    try {
      server = new KafkaServer();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot prepare the Kafka server directory", e);
    }
    try {
      server.launch();
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

  /** {@code 127.0.0.1:<port>}, for clients' {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + brokerPort;
  }

  /** The file the broker's stdout and stderr go to. */
  public Path logFile() {
    return logFile;
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
      metadata.add(await(future, "send to " + topic));
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
    stopProcess();
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
    return "KafkaServer[" + bootstrapServers() + ", " + dir + "]";
  }

  private void launch() {
    Path properties = dir.resolve("server.properties");
    Path log4j = dir.resolve("log4j2.properties");
    try {
      Files.createDirectories(dir.resolve("data"));
      writeProperties(properties, serverProperties());
      Files.writeString(log4j, LOG4J2_CONFIG, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the Kafka server configuration", e);
    }
    Runtime.getRuntime().addShutdownHook(shutdownHook);

    Process format =
        spawn(
            log4j,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            Uuid.randomUuid().toString(),
            "-c",
            properties.toString());
    try {
      if (!format.waitFor(FORMAT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        format.destroyForcibly();
        throw failure("Kafka storage format did not finish within " + FORMAT_TIMEOUT, null);
      }
    } catch (InterruptedException e) {
      format.destroyForcibly();
      Thread.currentThread().interrupt();
      throw failure("Interrupted while formatting Kafka storage", e);
    }
    if (format.exitValue() != 0) {
      throw failure("Kafka storage format exited with " + format.exitValue(), null);
    }

    process = spawn(log4j, "kafka.Kafka", properties.toString());
    awaitReady();
  }

  private Process spawn(Path log4j, String mainClass, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-Djava.awt.headless=true");
    // Our own logging config, so the test classpath's log4j2-test.properties does not apply.
    command.add("-Dlog4j2.configurationFile=" + log4j.toUri());
    command.add("-Dlog4j.configurationFile=" + log4j.toUri());
    command.add("-Dlog4j2.disable.jmx=true");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().remove("KAFKA_OPTS");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().remove("_JAVA_OPTIONS");
    try {
      return builder.start();
    } catch (IOException e) {
      throw failure("Cannot start " + mainClass, e);
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    // Wait for the listener first: an AdminClient polling a closed port logs a warning per try.
    while (!acceptsConnections()) {
      if (!process.isAlive()) {
        throw failure("Kafka broker exited with " + process.exitValue() + " while starting", null);
      }
      if (System.nanoTime() > deadline) {
        throw failure("Kafka broker not listening within " + START_TIMEOUT, null);
      }
      sleep(POLL_MILLIS);
    }
    Admin admin = admin();
    Exception last = null;
    while (true) {
      if (!process.isAlive()) {
        throw failure("Kafka broker exited with " + process.exitValue() + " while starting", last);
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

  private boolean acceptsConnections() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", brokerPort), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private Map<String, String> serverProperties() {
    String controller = "127.0.0.1:" + controllerPort;
    return Map.ofEntries(
        Map.entry("process.roles", "broker,controller"),
        Map.entry("node.id", "1"),
        Map.entry("controller.quorum.voters", "1@" + controller),
        Map.entry("listeners", "PLAINTEXT://" + bootstrapServers() + ",CONTROLLER://" + controller),
        Map.entry("advertised.listeners", "PLAINTEXT://" + bootstrapServers()),
        Map.entry("controller.listener.names", "CONTROLLER"),
        Map.entry("inter.broker.listener.name", "PLAINTEXT"),
        Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
        Map.entry("log.dirs", dir.resolve("data").toString()),
        Map.entry("num.partitions", "1"),
        Map.entry("auto.create.topics.enable", "false"),
        Map.entry("offsets.topic.replication.factor", "1"),
        Map.entry("offsets.topic.num.partitions", "1"),
        Map.entry("transaction.state.log.replication.factor", "1"),
        Map.entry("transaction.state.log.min.isr", "1"),
        Map.entry("transaction.state.log.num.partitions", "1"),
        Map.entry("transaction.max.timeout.ms", "3600000"),
        Map.entry("group.initial.rebalance.delay.ms", "0"),
        Map.entry("message.max.bytes", String.valueOf(MAX_MESSAGE_BYTES)),
        Map.entry("replica.fetch.max.bytes", String.valueOf(MAX_MESSAGE_BYTES)),
        Map.entry("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024)),
        Map.entry("num.network.threads", "2"),
        Map.entry("num.io.threads", "2"));
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
      props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
      props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
      props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
      producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  private void stopProcess() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The shutdown hook: no waiting for a graceful stop, just make sure nothing outlives us. */
  private void killProcess() {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
    }
  }

  private IllegalStateException failure(String message, Throwable cause) {
    return new IllegalStateException(
        message + " (" + this + "). Tail of " + logFile + ":\n" + logTail(), cause);
  }

  private String logTail() {
    try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
      long length = file.length();
      long start = Math.max(0, length - LOG_TAIL_BYTES);
      byte[] bytes = new byte[(int) (length - start)];
      file.seek(start);
      file.readFully(bytes);
      return (start > 0 ? "...\n" : "") + new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "<cannot read the log: " + e + ">";
    }
  }

  private <T> T await(Future<T> future, String what) {
    try {
      return future.get(CLIENT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Cannot " + what + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Timed out trying to " + what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted trying to " + what, e);
    }
  }

  private static int[] freePorts(int count) throws IOException {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    List<ServerSocket> sockets = new ArrayList<>(count);
    try {
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket();
        sockets.add(socket);
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(loopback, 0));
      }
      return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }

  private static void writeProperties(Path file, Map<String, String> properties)
      throws IOException {
    try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      Properties props = new Properties();
      props.putAll(properties);
      props.store(writer, "Written by " + KafkaServer.class.getName());
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

  private static final String LOG4J2_CONFIG =
      String.join(
          "\n",
          "status = warn",
          "rootLogger.level = INFO",
          "rootLogger.appenderRef.stdout.ref = stdout",
          "appender.stdout.type = Console",
          "appender.stdout.name = stdout",
          "appender.stdout.layout.type = PatternLayout",
          "appender.stdout.layout.pattern = [%d{HH:mm:ss,SSS}] %-5p %m (%c)%n",
          "logger.kafka.name = kafka",
          "logger.kafka.level = INFO",
          "logger.config.name = kafka.server.KafkaConfig",
          "logger.config.level = WARN",
          "logger.request.name = kafka.request.logger",
          "logger.request.level = WARN",
          "logger.clients.name = org.apache.kafka.clients",
          "logger.clients.level = WARN",
          "logger.zookeeper.name = org.apache.zookeeper",
          "logger.zookeeper.level = WARN",
          "");
}
