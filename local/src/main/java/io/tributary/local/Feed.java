package io.tributary.local;

import io.tributary.source.EcommerceEvents;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code java -jar tributary-local.jar feed [--bootstrap 127.0.0.1:9092] [--topic events]
 * [--partitions 2] [--rate 200] [--count 60000] [--bad-ratio 0.01] [--late-ratio 0.02] [--seed 1]}:
 * the demo's click events (the datagen source's, with their event times starting now) into a Kafka
 * topic, created if missing, at a steady rate ({@code --rate 0}: as fast as the broker takes them).
 * Input for the jobs and the SQL pipelines on the local stack.
 */
final class Feed {
  private Feed() {}

  static void run(String[] args) throws Exception {
    Map<String, String> opts = new HashMap<>();
    opts.put("bootstrap", "127.0.0.1:9092");
    opts.put("topic", "events");
    opts.put("partitions", "2");
    opts.put("rate", "200");
    opts.put("count", "60000");
    opts.put("bad-ratio", "0.01");
    opts.put("late-ratio", "0.02");
    opts.put("seed", "1");
    for (int i = 0; i < args.length; i++) {
      String key = args[i].startsWith("--") ? args[i].substring(2) : null;
      if (key == null || !opts.containsKey(key) || i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "feed: unknown or incomplete option '" + args[i] + "'. Options: " + opts.keySet());
      }
      opts.put(key, args[++i]);
    }
    String topic = opts.get("topic");
    double rate = Double.parseDouble(opts.get("rate"));
    long count = Long.parseLong(opts.get("count"));
    EcommerceEvents events =
        new EcommerceEvents(
            Long.parseLong(opts.get("seed")),
            System.currentTimeMillis(),
            rate > 0 ? rate : 10_000,
            Double.parseDouble(opts.get("bad-ratio")),
            Double.parseDouble(opts.get("late-ratio")));

    Properties props = new Properties();
    props.put("bootstrap.servers", opts.get("bootstrap"));
    try (Admin admin = Admin.create(props)) {
      admin
          .createTopics(
              List.of(new NewTopic(topic, Integer.parseInt(opts.get("partitions")), (short) 1)))
          .all()
          .get();
      System.out.printf("Created topic %s%n", topic);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    long start = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (long i = 0; i < count; i++) {
        producer.send(
            new ProducerRecord<>(topic, null, events.event(i).getBytes(StandardCharsets.UTF_8)));
        if (rate > 0) {
          long due = start + (long) ((i + 1) * 1e9 / rate);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
        }
        if ((i + 1) % 10_000 == 0) {
          System.out.printf("  %d events into %s%n", i + 1, topic);
        }
      }
      producer.flush();
    }
    System.out.printf(
        "Fed %d events into %s in %.1f s%n",
        count, topic, Duration.ofNanos(System.nanoTime() - start).toMillis() / 1000.0);
  }
}
