package io.tributary.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * A single-node Kafka broker (KRaft: broker and controller in one JVM) from the {@code kafka_2.13}
 * jars, listening on 127.0.0.1 only, its data under one folder.
 */
public final class Kafka {
  /** Largest record the broker accepts. */
  public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private Kafka() {}

  /** Formats the storage (once per folder) and starts the broker; returns once it listens. */
  public static ServerProcess start(Path dir, Path logFile, int port, int controllerPort) {
    Path properties = dir.resolve("server.properties");
    Path log4j = dir.resolve("log4j2.properties");
    boolean fresh = !Files.exists(dir.resolve("data/meta.properties"));
    try {
      Files.createDirectories(dir.resolve("data"));
      write(properties, serverProperties(dir, port, controllerPort));
      Files.writeString(log4j, LOG4J2_CONFIG, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the Kafka configuration in " + dir, e);
    }
    if (fresh) {
      ServerProcess format =
          ServerProcess.start(
              "kafka-storage-format",
              command(
                  log4j,
                  "kafka.tools.StorageTool",
                  "format",
                  "-t",
                  UUID.randomUUID().toString(),
                  "-c",
                  properties.toString()),
              dir,
              logFile,
              Map.of());
      format.awaitSuccess(START_TIMEOUT);
    }
    ServerProcess broker =
        ServerProcess.start(
            "kafka", command(log4j, "kafka.Kafka", properties.toString()), dir, logFile, Map.of());
    broker.awaitReady(() -> ServerProcess.listening(port), START_TIMEOUT, "port " + port);
    return broker;
  }

  private static List<String> command(Path log4j, String mainClass, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Artifacts.java());
    command.add("-Xmx512m");
    command.add("-Djava.awt.headless=true");
    command.add("-Dlog4j2.configurationFile=" + log4j.toUri());
    command.add("-Dlog4j.configurationFile=" + log4j.toUri());
    command.add("-Dlog4j2.disable.jmx=true");
    command.add("-cp");
    command.add(Artifacts.classpath(Artifacts.kafkaClasspath()));
    command.add(mainClass);
    command.addAll(List.of(args));
    return command;
  }

  /** The broker's settings; docker/compose.yaml sets the same (DockerComposeTest compares). */
  static Map<String, String> serverProperties(Path dir, int port, int controllerPort) {
    String broker = "127.0.0.1:" + port;
    String controller = "127.0.0.1:" + controllerPort;
    return Map.ofEntries(
        Map.entry("process.roles", "broker,controller"),
        Map.entry("node.id", "1"),
        Map.entry("controller.quorum.voters", "1@" + controller),
        Map.entry("listeners", "PLAINTEXT://" + broker + ",CONTROLLER://" + controller),
        Map.entry("advertised.listeners", "PLAINTEXT://" + broker),
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
        // Flink's exactly-once KafkaSink asks for 1 h; the broker's default maximum is 15 min.
        Map.entry("transaction.max.timeout.ms", "3600000"),
        Map.entry("group.initial.rebalance.delay.ms", "0"),
        Map.entry("message.max.bytes", String.valueOf(MAX_MESSAGE_BYTES)),
        Map.entry("replica.fetch.max.bytes", String.valueOf(MAX_MESSAGE_BYTES)),
        Map.entry("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024)),
        Map.entry("num.network.threads", "2"),
        Map.entry("num.io.threads", "2"));
  }

  private static void write(Path file, Map<String, String> properties) throws IOException {
    try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      Properties props = new Properties();
      props.putAll(properties);
      props.store(writer, "Written by " + Kafka.class.getName());
    }
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
          "");
}
