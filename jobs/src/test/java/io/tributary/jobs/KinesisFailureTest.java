package io.tributary.jobs;

import static io.tributary.testing.KinesisStreams.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.KinesisExtension;
import io.tributary.testing.KinesisStreams;
import io.tributary.testing.KinesisStreams.Entry;
import io.tributary.testing.Tables;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Shard;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task managers killed three times while {@code ingest} reads an unbounded Kinesis stream (4
 * shards, plain and KPL-aggregated records) that keeps receiving data: afterwards every record is
 * in the table (or the dead-letter table) exactly once. As {@link IngestFailureTest} does for
 * Kafka.
 */
@Timeout(400)
class KinesisFailureTest {
  static final int TOTAL = 12_000;
  static final int BATCH = 1_000;
  static final int KILLS = 3;

  /** Of every 50 ids, the last 10 go as one KPL aggregate. */
  static final int BLOCK = 50;

  static final int AGGREGATED = 10;

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KinesisExtension kinesis = new KinesisExtension();

  @TempDir Path dir;

  static final Pattern ID = Pattern.compile("\\{\"id\":(\\d+),");

  static boolean isBad(int i) {
    return i % 100 == 33 || i % 100 == 99; // one plain, one inside an aggregate
  }

  @Test
  void everyRecordExactlyOnceAfterTaskManagerKills(@InjectMiniCluster MiniCluster cluster)
      throws Exception {
    String stream = "orders";
    KinesisStreams k = kinesis.streams();
    k.createStream(stream, 4);
    List<Shard> shards = k.openShards(stream);
    List<String> args = new ArrayList<>(JobTesting.underKills("ingest", dir));
    args.addAll(kinesis.sourceArgs(stream, false));
    args.addAll(
        List.of(
            "--job.state.backend", "rocksdb",
            "--format.schema", "id BIGINT NOT NULL, payload STRING, ts TIMESTAMP_LTZ(3) NOT NULL",
            "--format.event-time.field", "ts",
            "--iceberg.warehouse", dir.resolve("warehouse").toString(),
            "--iceberg.database", "lake",
            "--iceberg.table", "orders",
            "--iceberg.partition-spec", "bucket(3, id)"));
    JobClient client =
        JobTesting.startAsync("kinesis-ingest-under-failures", args.toArray(new String[0]));
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");

    Instant base = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
    int sent = 0;
    int kills = 0;
    long expectedBad = 0;
    long start = System.nanoTime();
    while (sent < TOTAL) {
      List<Entry> batch = new ArrayList<>();
      for (int b = sent; b < sent + BATCH; b += BLOCK) {
        Shard shard = shards.get((b / BLOCK) % shards.size());
        List<byte[]> aggregate = new ArrayList<>();
        for (int i = b; i < b + BLOCK; i++) {
          String value = JobTesting.order(i, isBad(i), base);
          expectedBad += isBad(i) ? 1 : 0;
          if (i < b + BLOCK - AGGREGATED) {
            batch.add(new Entry(shard, "k" + i, utf8(value)));
          } else {
            aggregate.add(utf8(value));
          }
        }
        String hashKey = shard.hashKeyRange().startingHashKey();
        batch.add(new Entry(shard, "a" + b, KinesisStreams.aggregate("a" + b, hashKey, aggregate)));
      }
      k.putAll(stream, batch);
      sent += BATCH;
      if (sent % 3_000 == 0 && kills < KILLS) {
        JobTesting.killAfterACommit(cluster, client, catalog, "orders", kills++);
      }
      Thread.sleep(200);
    }
    assertThat(kills).isEqualTo(KILLS);

    long expectedGood = TOTAL - expectedBad;
    long expectedDead = expectedBad;
    JobTesting.waitFor(
        Duration.ofSeconds(180),
        () ->
            JobTesting.rows(catalog, "orders") >= expectedGood
                && JobTesting.rows(catalog, "orders_dead_letters") >= expectedDead);
    long millis = (System.nanoTime() - start) / 1_000_000;
    // A few more checkpoints: a duplicate would show up now if recovery replayed committed data.
    JobTesting.awaitMoreCheckpoints(cluster, client.getJobID(), 3);
    assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    client.cancel().get(60, TimeUnit.SECONDS);

    // The oracle: every user record in the stream, once. A PutRecords that timed out under load
    // and was retried by the SDK may have written some records twice; each copy must land once.
    List<Long> inStream = new ArrayList<>();
    long badInStream = 0;
    for (byte[] value : k.readAll(stream)) {
      Matcher m = ID.matcher(new String(value, StandardCharsets.UTF_8));
      assertThat(m.find()).isTrue();
      long id = Long.parseLong(m.group(1));
      if (isBad((int) id)) {
        badInStream++;
      } else {
        inStream.add(id);
      }
    }
    Collections.sort(inStream);
    long producerDuplicates = inStream.size() + badInStream - TOTAL;
    assertThat(new TreeSet<>(inStream)).hasSize((int) expectedGood);

    List<Record> rows = Tables.read(catalog, "orders");
    List<Long> ids =
        rows.stream().map(r -> (Long) r.getField("id")).sorted().collect(Collectors.toList());
    assertThat(ids).isEqualTo(inStream);
    for (Record r : rows) {
      assertThat(r.getField("payload")).isEqualTo("p" + r.getField("id"));
    }
    List<Record> dead = Tables.read(catalog, "orders_dead_letters");
    assertThat(dead).hasSize((int) badInStream);
    assertThat(
            dead.stream()
                .map(r -> r.getField("source_partition") + "@" + r.getField("source_position"))
                .distinct())
        .hasSize((int) badInStream);
    // Those from inside an aggregate carry the sub-sequence number of their user record.
    assertThat(
            dead.stream()
                .filter(r -> ((String) r.getField("source_position")).endsWith(":9"))
                .map(r -> text((java.nio.ByteBuffer) r.getField("payload")))
                .distinct())
        .hasSize((int) expectedBad / 2);
    assertThat(dead).allSatisfy(r -> assertThat(r.getField("reason")).isEqualTo("truncated-json"));
    System.out.printf(
        "kinesis under %d TaskManager kills: %d rows + %d dead letters (stream held %d records,"
            + " %d of them written twice by producer retries), exactly once, in %d ms%n",
        KILLS, rows.size(), dead.size(), inStream.size() + badInStream, producerDuplicates, millis);
  }

  private static String text(java.nio.ByteBuffer buffer) {
    byte[] b = new byte[buffer.remaining()];
    buffer.duplicate().get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
