package io.tributary.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tributary.bench.BenchRuns.CountingDiscard;
import io.tributary.bench.BenchRuns.DecodeOnly;
import io.tributary.cdc.CdcOptions;
import io.tributary.cdc.Changes;
import io.tributary.cdc.RowChange;
import io.tributary.config.ConfigLoader;
import io.tributary.config.TributaryConfig;
import io.tributary.format.EventSchema;
import io.tributary.format.FormatOptions;
import io.tributary.format.JsonEventDecoder;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.IcebergSinkBuilder;
import io.tributary.iceberg.TableSummary;
import io.tributary.jobs.Main;
import io.tributary.jobs.TributaryOptions;
import io.tributary.metrics.Metrics;
import io.tributary.quality.Checked;
import io.tributary.quality.DeadLetter;
import io.tributary.source.EcommerceEvents;
import io.tributary.source.KafkaOptions;
import io.tributary.testing.Components;
import io.tributary.testing.KafkaServer;
import io.tributary.testing.Tables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The three workloads of {@link BenchmarkHarness}: for each job, its data set (seeded, preloaded
 * into one Kafka topic), and its three variants: the read-and-parse ceiling, the job, and its Flink
 * SQL twin. Each variant returns the counts that show it processed every event.
 */
final class BenchWorkloads {
  private BenchWorkloads() {}

  static final int PARTITIONS = 2;

  /** Where and how every variant runs: the broker, the directory, parallelism, checkpoints. */
  static final class Setup {
    final KafkaServer kafka;
    final Path dir;
    final int parallelism;
    final String checkpointInterval;

    Setup(KafkaServer kafka, Path dir, int parallelism, String checkpointInterval) {
      this.kafka = kafka;
      this.dir = dir;
      this.parallelism = parallelism;
      this.checkpointInterval = checkpointInterval;
    }

    String warehouse() {
      return dir.resolve("warehouse").toString();
    }

    IcebergCatalog catalog(String database) {
      return Tables.hadoop(warehouse(), database);
    }

    String checkpoints(String run) {
      return dir.resolve("cp").resolve(run).toUri().toString();
    }
  }

  /** What a run processed, the table it wrote (null for the ceiling) and whether it is complete. */
  static final class Outcome {
    final Map<String, Long> counts = new LinkedHashMap<>();
    boolean complete;
    String database;
    String table;

    Outcome count(String name, Object value) {
      counts.put(name, value instanceof Number ? ((Number) value).longValue() : -1L);
      return this;
    }

    Outcome table(String database, String table) {
      this.database = database;
      this.table = table;
      return this;
    }
  }

  /** One job's data set and variants. */
  abstract static class Workload {
    final String name;

    /** Kafka records in the topic. */
    long events;

    long bytes;
    String data;

    /**
     * Events the topic is planned to hold in steady-state mode (backlog and producer), which sets
     * the span of event time the generators use; 0 in bounded mode.
     */
    long planned;

    String topic;

    /** The data set's generator, positioned after the last record preloaded or produced. */
    private Supplier<ProducerRecord<byte[], byte[]>> generator;

    Workload(String name) {
      this.name = name;
      this.topic = name + "-events";
    }

    String topic() {
      return topic;
    }

    boolean steady() {
      return planned > 0;
    }

    /** A fresh generator of the data set, from its first record; {@code count} to preload. */
    abstract Supplier<ProducerRecord<byte[], byte[]>> generator(long count);

    /** What the data set is, for the report; after the preload. */
    abstract String describe();

    /** Creates the topic and fills it with the data set's first {@code count} records. */
    void preload(KafkaServer kafka, int count) {
      kafka.createTopic(topic(), PARTITIONS);
      bytes = 0;
      generator = generator(count);
      List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        batch.add(next());
        send(kafka, batch, false);
      }
      send(kafka, batch, true);
      events = count;
      data = describe();
    }

    /** The data set's next record (bytes counted), after the preloaded and produced ones. */
    ProducerRecord<byte[], byte[]> next() {
      ProducerRecord<byte[], byte[]> r = generator.get();
      bytes += r.value().length + (r.key() == null ? 0 : r.key().length);
      return r;
    }

    /**
     * Records that end the data set, sent after the last event (steady state): none, except where
     * the job's output waits for later event time.
     */
    List<ProducerRecord<byte[], byte[]>> closers() {
      return List.of();
    }

    abstract Outcome ceiling(Setup s, String run) throws Exception;

    abstract Outcome job(Setup s, String run) throws Exception;

    /** The SQL twin's tables and its {@code INSERT}, submitted; bounded unless {@link #steady}. */
    abstract TableResult insert(Setup s, String run) throws Exception;

    /** Whether the table of a job or twin (kind) holds exactly the first {@code sent} events. */
    abstract Outcome exact(Setup s, String run, String kind, long sent);

    /** The job's dead letters (counted in {@code o}); 0 for a twin, which has none. */
    static long jobDeadLetters(Setup s, String run, String kind, Outcome o) {
      if (!kind.equals("job")) {
        return 0;
      }
      long dead = TableSummary.of(s.catalog("bench"), run + "_dead_letters").rows;
      o.count("dead letters", dead);
      return dead;
    }

    Outcome sql(Setup s, String run) throws Exception {
      insert(s, run).await();
      return exact(s, run, "sql", events);
    }

    /** Starts the job unbounded (steady state) from the arguments of {@link #args}. */
    JobClient start(Setup s, String run) throws Exception {
      List<String> a = args(s, run);
      a.set(a.indexOf("--source.bounded") + 1, "false");
      return Main.start(a.toArray(new String[0]));
    }

    /**
     * The arguments every job and ceiling gets, as {@link Main} reads them, then the {@code
     * bench.job-args} system property's (a what-if, e.g. {@code --job.state.backend rocksdb}).
     */
    List<String> args(Setup s, String run) {
      List<String> a =
          new ArrayList<>(
              List.of(
                  "--job.name",
                  name,
                  "--job.parallelism",
                  Integer.toString(s.parallelism),
                  "--job.checkpoint.interval",
                  s.checkpointInterval,
                  "--job.checkpoint.dir",
                  s.checkpoints(run),
                  "--job.restart.max-attempts",
                  "1",
                  "--source.type",
                  "kafka",
                  "--source.bounded",
                  "true",
                  "--kafka.bootstrap.servers",
                  s.kafka.bootstrapServers(),
                  "--kafka.topics",
                  topic(),
                  "--kafka.start",
                  "earliest",
                  "--kafka.group.id",
                  run,
                  "--iceberg.warehouse",
                  s.warehouse(),
                  "--iceberg.database",
                  "bench"));
      String extra = System.getProperty("bench.job-args", "").trim();
      if (!extra.isEmpty()) {
        a.addAll(Arrays.asList(extra.split("\\s+")));
      }
      return a;
    }

    void send(KafkaServer kafka, List<ProducerRecord<byte[], byte[]>> batch, boolean force) {
      if (batch.size() >= 10_000 || (force && !batch.isEmpty())) {
        kafka.sendAll(topic(), batch);
        batch.clear();
      }
    }

    /** The SQL twin's environment, with the same parallelism and checkpoints as the jobs. */
    StreamTableEnvironment sqlEnvironment(Setup s, String run) {
      Configuration conf = new Configuration();
      conf.setString("execution.checkpointing.interval", s.checkpointInterval);
      conf.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
      conf.setString("state.backend.type", "hashmap");
      conf.setString("execution.checkpointing.dir", s.checkpoints(run));
      conf.setString("restart-strategy.type", "fixed-delay");
      conf.setString("restart-strategy.fixed-delay.attempts", "1");
      conf.setString("restart-strategy.fixed-delay.delay", "1 s");
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
      env.setParallelism(s.parallelism);
      StreamTableEnvironment t =
          StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
      t.getConfig().set("table.local-time-zone", "UTC");
      // The job's readers stop holding watermarks back after 30 s without events too.
      t.getConfig().set("table.exec.source.idle-timeout", "30 s");
      t.executeSql(
          "CREATE CATALOG ice WITH ('type' = 'iceberg', 'catalog-type' = 'hadoop', 'warehouse' ="
              + " '"
              + Path.of(s.warehouse()).toUri()
              + "')");
      t.executeSql("CREATE DATABASE IF NOT EXISTS ice.sqlbench");
      return t;
    }

    /** The job's table properties as a SQL WITH list, plus {@code extra}. */
    static String properties(Setup s, String extra) {
      return new TreeMap<>(s.catalog("sqlbench").tableProperties())
              .entrySet().stream()
                  .map(e -> "'" + e.getKey() + "' = '" + e.getValue() + "'")
                  .collect(Collectors.joining(", "))
          + extra;
    }

    /**
     * A Kafka source table of the twin, JSON of {@code columns}, bounded at the latest offsets
     * unless {@link #steady}.
     */
    String sqlSource(Setup s, String run, String columns, String format) {
      return "CREATE TABLE src ("
          + columns
          + ") WITH ('connector' = 'kafka', 'topic' = '"
          + topic()
          + "', 'properties.bootstrap.servers' = '"
          + s.kafka.bootstrapServers()
          + "', 'properties.group.id' = '"
          + run
          + "', 'scan.startup.mode' = 'earliest-offset', "
          + (steady() ? "" : "'scan.bounded.mode' = 'latest-offset', ")
          + format
          + ")";
    }
  }

  /**
   * The ceiling of the event jobs: Flink's KafkaSource decoding every record with the job's own
   * {@link JsonEventDecoder} (as the job's reader does), into a sink that only counts; configured
   * as {@link Main} configures the job.
   */
  static Outcome decodeCeiling(List<String> args, long events, String run) throws Exception {
    ConfigLoader.Loaded loaded = ConfigLoader.load(args.toArray(new String[0]));
    TributaryConfig config = TributaryConfig.validate(loaded.groups, TributaryOptions.ALL);
    EventSchema schema = EventSchema.fromConfig(config.group(FormatOptions.GROUP));
    StreamExecutionEnvironment env = Components.environment(config, loaded.origin);
    KafkaSource<RowData> source =
        KafkaSource.<RowData>builder()
            .setBootstrapServers(config.get(KafkaOptions.GROUP, KafkaOptions.BOOTSTRAP_SERVERS))
            .setTopics(config.get(KafkaOptions.GROUP, KafkaOptions.TOPICS))
            .setGroupId(config.get(KafkaOptions.GROUP, KafkaOptions.GROUP_ID))
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setBounded(OffsetsInitializer.latest())
            .setDeserializer(
                new DecodeOnly(
                    new JsonEventDecoder(schema, "bench"), InternalTypeInfo.of(schema.rowType())))
            .build();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka")
        .addSink(new CountingDiscard<RowData>(BenchRuns.CEILING_ROWS))
        .name("discard");
    JobExecutionResult r = env.execute(run);
    Outcome o = new Outcome();
    o.count("rows counted", r.getAccumulatorResult(BenchRuns.CEILING_ROWS));
    o.count("rejected", BenchRuns.CEILING_DEAD.get());
    o.complete = o.counts.get("rows counted") == events && BenchRuns.CEILING_DEAD.get() == 0;
    return o;
  }

  /** Outcome of an event job: records its decoder saw, rows in its table, dead letters. */
  static Outcome jobOutcome(
      Setup s, Main.Run run, String table, String what, long rows, long events) {
    Outcome o = new Outcome().table("bench", table);
    o.count("records read", run.result.getAccumulatorResult(Metrics.RECORDS_IN));
    o.count(what, rows);
    long dead = TableSummary.of(s.catalog("bench"), table + "_dead_letters").rows;
    o.count("dead letters", dead);
    o.complete = o.counts.get("records read") == events && rows == events && dead == 0;
    return o;
  }

  // ---------------------------------------------------------------- ingest

  /**
   * {@code ingest}: {@link EcommerceEvents} (about 230 bytes of JSON each, none bad, none late,
   * event times from two hours ago on), round robin over the partitions, without keys. The twin: a
   * Kafka table with the {@code json} format, {@code INSERT INTO} an Iceberg table with the job's
   * table properties (created with the job's own provisioning when partitioned).
   */
  static final class Ingest extends Workload {
    static final long SEED = 7;
    final String spec;

    Ingest(String spec) {
      super("ingest");
      this.spec = spec;
    }

    /** Events per second of event time. */
    double rate;

    @Override
    Supplier<ProducerRecord<byte[], byte[]>> generator(long count) {
      long start =
          Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toEpochMilli();
      // At most an hour of event time, so no event is ahead of the wall clock.
      rate = Math.max(1000.0, (steady() ? planned : count) / 3600.0);
      EcommerceEvents generator = new EcommerceEvents(SEED, start, rate, 0.0, 0.0);
      long[] i = {0};
      return () -> {
        long n = i[0]++;
        return new ProducerRecord<>(
            topic(), (int) (n % PARTITIONS), null, generator.event(n).getBytes(UTF_8));
      };
    }

    @Override
    String describe() {
      return String.format(
          Locale.ROOT,
          "EcommerceEvents(seed %d, %.0f/s of event time, no bad, no late), no keys, round"
              + " robin over %d partitions; tables %s",
          SEED,
          rate,
          PARTITIONS,
          spec.isEmpty() ? "unpartitioned" : "partitioned by " + spec);
    }

    @Override
    List<String> args(Setup s, String run) {
      List<String> a = super.args(s, run);
      a.addAll(
          List.of(
              "--format.schema",
              EcommerceEvents.SCHEMA,
              "--format.event-time.field",
              "ts",
              // Events are 1 to 2 hours old (default max-future 1 h): none is out of bounds.
              "--format.event-time.max-past",
              "7 d",
              "--iceberg.table",
              run,
              "--iceberg.partition-spec",
              spec));
      return a;
    }

    @Override
    Outcome ceiling(Setup s, String run) throws Exception {
      return decodeCeiling(args(s, run), events, run);
    }

    @Override
    Outcome job(Setup s, String run) throws Exception {
      Main.Run r = Main.run(args(s, run).toArray(new String[0]));
      return jobOutcome(
          s, r, run, "table rows", TableSummary.of(s.catalog("bench"), run).rows, events);
    }

    @Override
    TableResult insert(Setup s, String run) throws Exception {
      StreamTableEnvironment t = sqlEnvironment(s, run);
      t.executeSql(
          sqlSource(
              s,
              run,
              EcommerceEvents.SCHEMA.replace(" NOT NULL", "")
                  + ", WATERMARK FOR ts AS ts - INTERVAL '5' SECOND",
              "'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601'"));
      if (spec.isEmpty()) {
        t.executeSql(
            "CREATE TABLE ice.sqlbench."
                + run
                + " ("
                + EcommerceEvents.SCHEMA
                + ") WITH ("
                + properties(s, "")
                + ")");
      } else {
        // Flink SQL's Iceberg DDL partitions by identity columns only.
        IcebergSinkBuilder.forRows(null, EventSchema.parse(EcommerceEvents.SCHEMA))
            .catalog(s.catalog("sqlbench"))
            .table(run)
            .partitionedBy(spec)
            .provision();
      }
      return t.executeSql("INSERT INTO ice.sqlbench." + run + " SELECT * FROM src");
    }

    @Override
    Outcome exact(Setup s, String run, String kind, long sent) {
      String database = kind.equals("job") ? "bench" : "sqlbench";
      long rows = TableSummary.of(s.catalog(database), run).rows;
      Outcome o = new Outcome().table(database, run).count("table rows", rows);
      o.complete = rows == sent && jobDeadLetters(s, run, kind, o) == 0;
      return o;
    }
  }

  // ---------------------------------------------------------------- aggregate

  /**
   * {@code aggregate}: click events (about 230 bytes) of 10,000 users, 3 ms of event time apart,
   * starting three hours ago; 1-minute tumbling windows per user with count, sum, min and max. The
   * twin: the {@code TUMBLE} window TVF into an Iceberg upsert table. Complete when the table's
   * {@code events} column sums to the events sent.
   */
  static final class Aggregate extends Workload {
    static final long SEED = 5;
    static final String SCHEMA =
        "event_id STRING NOT NULL, user_id STRING NOT NULL, category STRING,"
            + " amount DECIMAL(10, 2), qty INT, ts TIMESTAMP_LTZ(3) NOT NULL";

    Aggregate() {
      super("aggregate");
    }

    /** The first event's time, and the next event's index. */
    private Instant base;

    private long next;

    /** How far back the job accepts event time: steady state spans more than a day. */
    private String maxPast = "1 d";

    @Override
    Supplier<ProducerRecord<byte[], byte[]>> generator(long count) {
      // Far enough back for every event to be an hour in the past, whatever the minute of the
      // hour: 5 M events span 4.2 h, and from 3 h back, truncated to the hour, the last ones were
      // up to 70 min ahead of the clock, where format.event-time.max-future (1 h) rejects them.
      long hours = Math.max(3, (steady() ? planned : count) * 3 / 3_600_000 + 2);
      base = Instant.now().minus(hours, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS);
      maxPast = steady() ? (hours + 24) + " h" : "1 d";
      SplittableRandom r = new SplittableRandom(SEED);
      next = 0;
      return () -> {
        long i = next++;
        String json =
            click(
                "e-" + i,
                "u-" + r.nextInt(10_000),
                r.nextInt(20),
                r.nextInt(500),
                r.nextInt(100),
                1 + r.nextInt(4),
                base.plusMillis(i * 3L + r.nextInt(2000)),
                r.nextLong(),
                r.nextInt(100_000),
                r.nextInt(100_000));
        return new ProducerRecord<>(topic(), (int) (i % PARTITIONS), null, json.getBytes(UTF_8));
      };
    }

    private static String click(
        String eventId,
        String user,
        int category,
        int units,
        int cents,
        int qty,
        Instant ts,
        long session,
        int page,
        int query) {
      return String.format(
          Locale.ROOT,
          "{\"event_id\":\"%s\",\"user_id\":\"%s\",\"category\":\"c%d\",\"amount\":%d.%02d,"
              + "\"qty\":%d,\"ts\":\"%s\",\"session_id\":\"s-%016x\",\"page\":\"/p/%d\","
              + "\"referrer\":\"https://shop.example.com/search?q=item%d\"}",
          eventId,
          user,
          category,
          units,
          cents,
          qty,
          ts,
          session,
          page,
          query);
    }

    /**
     * One click per partition 10 minutes of event time after the last event: an unbounded run fires
     * a window only once the watermark, the least over the partitions, passes its end. The closers'
     * own windows stay open, so they are never counted.
     */
    @Override
    List<ProducerRecord<byte[], byte[]>> closers() {
      List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
      Instant ts = base.plusMillis(next * 3L + 2000 + 600_000);
      for (int p = 0; p < PARTITIONS; p++) {
        String json = click("closer-" + p, "u-closer", 0, 0, 0, 1, ts, 0, 0, 0);
        out.add(new ProducerRecord<>(topic(), p, null, json.getBytes(UTF_8)));
      }
      return out;
    }

    @Override
    String describe() {
      return "clicks (seed 5) of 10,000 users, 3 ms of event time apart, round robin over "
          + PARTITIONS
          + " partitions; TUMBLE 1 min per user: count, sum, min, max; upsert tables";
    }

    @Override
    List<String> args(Setup s, String run) {
      List<String> a = super.args(s, run);
      a.addAll(
          List.of(
              "--format.schema",
              SCHEMA,
              "--format.event-time.field",
              "ts",
              "--format.event-time.max-past",
              maxPast,
              "--aggregate.window.type",
              "tumbling",
              "--aggregate.window.size",
              "1 min",
              "--aggregate.group-by",
              "user_id",
              "--aggregate.aggregates",
              "count(*) AS events, sum(amount) AS revenue, min(qty) AS min_qty, max(qty) AS"
                  + " max_qty",
              "--iceberg.table",
              run));
      return a;
    }

    @Override
    Outcome ceiling(Setup s, String run) throws Exception {
      return decodeCeiling(args(s, run), events, run);
    }

    @Override
    Outcome job(Setup s, String run) throws Exception {
      Main.Run r = Main.run(args(s, run).toArray(new String[0]));
      return jobOutcome(
          s, r, run, "events counted", eventsCounted(s.catalog("bench"), run), events);
    }

    @Override
    TableResult insert(Setup s, String run) throws Exception {
      StreamTableEnvironment t = sqlEnvironment(s, run);
      t.executeSql(
          sqlSource(
              s,
              run,
              SCHEMA.replace(" NOT NULL", "") + ", WATERMARK FOR ts AS ts - INTERVAL '5' SECOND",
              "'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601'"));
      t.executeSql(
          "CREATE TABLE ice.sqlbench."
              + run
              + " (window_start TIMESTAMP(3) NOT NULL, window_end TIMESTAMP(3) NOT NULL,"
              + " user_id STRING NOT NULL, events BIGINT, revenue DECIMAL(38, 2), min_qty INT,"
              + " max_qty INT, PRIMARY KEY (window_start, window_end, user_id) NOT ENFORCED)"
              + " WITH ("
              + properties(s, ", 'format-version' = '2', 'write.upsert.enabled' = 'true'")
              + ")");
      return t.executeSql(
          "INSERT INTO ice.sqlbench."
              + run
              + " SELECT window_start, window_end, user_id, COUNT(*), SUM(amount), MIN(qty),"
              + " MAX(qty) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1'"
              + " MINUTE)) GROUP BY window_start, window_end, user_id");
    }

    @Override
    Outcome exact(Setup s, String run, String kind, long sent) {
      String database = kind.equals("job") ? "bench" : "sqlbench";
      long counted = eventsCounted(s.catalog(database), run);
      Outcome o = new Outcome().table(database, run).count("events counted", counted);
      o.complete = counted == sent && jobDeadLetters(s, run, kind, o) == 0;
      return o;
    }

    /** The sum of the table's {@code events} column, deletes applied. */
    static long eventsCounted(IcebergCatalog catalog, String table) {
      Table t = catalog.with(c -> c.loadTable(catalog.identifier(table)));
      long sum = 0;
      try (CloseableIterable<Record> rows = IcebergGenerics.read(t).select("events").build()) {
        for (Record r : rows) {
          Object v = r.getField("events");
          sum += v == null ? 0 : ((Number) v).longValue();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return sum;
    }
  }

  // ---------------------------------------------------------------- cdc

  /**
   * {@code cdc}: a lighter Debezium stream than common's {@code ChangeStreams} (which holds the
   * whole stream in memory at about 3 KB a change): one PostgreSQL table {@code customers},
   * Debezium JSON without the schema envelope (300-500 bytes), written to Kafka as it is generated,
   * keyed {@code {"id": n}} and partitioned by id; creates, updates (with the before image) and
   * deletes, no key changes, no tombstones, at most 50,000 live rows. The generator keeps only the
   * live ids, so the final row count is known. Before images are exactly the row's last after image
   * (as with PostgreSQL's REPLICA IDENTITY FULL): the twin's SinkUpsertMaterializer ignores a
   * retraction that matches no row it holds, and keeps deleted rows then. The twin: {@code
   * debezium-json} into an Iceberg v2 upsert table. Without a schema both land the same types (INT,
   * STRING, DOUBLE, BIGINT, BOOLEAN).
   */
  static final class Cdc extends Workload {
    static final long SEED = 11;
    static final int MAX_LIVE = 50_000;
    static final String COLUMNS =
        "id INT, name STRING, email STRING, city STRING, balance DOUBLE, updated_at BIGINT,"
            + " vip BOOLEAN";
    static final String[] CITIES = {
      "Lisbon", "Porto", "Madrid", "Berlin", "Paris", "Vienna", "Prague", "Warsaw", "Dublin", "Oslo"
    };

    /** Live rows at the end of the stream. */
    long liveRows;

    Map<String, Integer> ops = new TreeMap<>();

    Cdc() {
      super("cdc");
    }

    @Override
    Supplier<ProducerRecord<byte[], byte[]>> generator(long count) {
      ops = new TreeMap<>();
      liveRows = 0;
      return new ChangeStream();
    }

    /** The change stream; it keeps only the live ids, their versions and times. */
    private final class ChangeStream implements Supplier<ProducerRecord<byte[], byte[]>> {
      final SplittableRandom r = new SplittableRandom(SEED);
      final int[] live = new int[MAX_LIVE];
      int liveCount = 0;
      final Map<Integer, Integer> slot = new HashMap<>();
      final Map<Integer, Integer> version = new HashMap<>();
      // each live row's updated_at, so a before image is exactly the row's last after image
      final Map<Integer, Long> updatedAt = new HashMap<>();
      int nextId = 1;
      long lsn = 33_000_000L;
      long ts = 1_714_557_600_000L; // 2024-05-01T10:00:00Z

      @Override
      public ProducerRecord<byte[], byte[]> get() {
        double d = r.nextDouble();
        String op;
        int id;
        if (liveCount < 1_000 || (d < 0.35 && liveCount < MAX_LIVE)) {
          op = "c";
          id = nextId++;
          slot.put(id, liveCount);
          live[liveCount++] = id;
          version.put(id, 0);
        } else if (d < 0.80) {
          op = "u";
          id = live[r.nextInt(liveCount)];
        } else {
          op = "d";
          id = live[r.nextInt(liveCount)];
          int at = slot.remove(id);
          int last = live[--liveCount];
          live[at] = last;
          slot.put(last, at);
        }
        int v = version.get(id);
        String before = op.equals("c") ? "null" : row(id, v, updatedAt.get(id));
        ts += 1 + r.nextInt(5);
        if (op.equals("u")) {
          version.put(id, ++v);
        }
        if (op.equals("d")) {
          version.remove(id);
          updatedAt.remove(id);
        } else {
          updatedAt.put(id, ts);
        }
        lsn += 40 + r.nextInt(400);
        String after = op.equals("d") ? "null" : row(id, v, ts);
        String value =
            "{\"before\":"
                + before
                + ",\"after\":"
                + after
                + ",\"source\":{\"version\":\"2.7.0.Final\",\"connector\":\"postgresql\","
                + "\"name\":\"shop\",\"ts_ms\":"
                + ts
                + ",\"snapshot\":\"false\",\"db\":\"shop\",\"schema\":\"public\","
                + "\"table\":\"customers\",\"txId\":"
                + (lsn / 97)
                + ",\"lsn\":"
                + lsn
                + "},\"op\":\""
                + op
                + "\",\"ts_ms\":"
                + (ts + 3)
                + "}";
        byte[] key = ("{\"id\":" + id + "}").getBytes(UTF_8);
        ops.merge(op, 1, Integer::sum);
        liveRows = liveCount;
        return new ProducerRecord<>(topic(), id % PARTITIONS, key, value.getBytes(UTF_8));
      }
    }

    @Override
    String describe() {
      return String.format(
          Locale.ROOT,
          "Debezium JSON without schema envelope (seed %d), table customers, by op %s, keyed"
              + " and partitioned by id over %d partitions, no key changes, no tombstones;"
              + " final state %d rows; upsert tables",
          SEED,
          ops,
          PARTITIONS,
          liveRows);
    }

    /** A customers row; values depend on id, version and the time it was written only. */
    static String row(int id, int version, long ts) {
      long h = id * 0x9E3779B97F4A7C15L + version * 0xC2B2AE3D27D4EB4FL;
      h ^= h >>> 31;
      long cents = Math.floorMod(h, 10_000_000L);
      return "{\"id\":"
          + id
          + ",\"name\":\"Customer "
          + id
          + " v"
          + version
          + "\",\"email\":\"customer"
          + id
          + "@example.com\",\"city\":\""
          + CITIES[(int) Math.floorMod(h >>> 8, (long) CITIES.length)]
          + "\",\"balance\":"
          + (cents / 100)
          + "."
          + String.format(Locale.ROOT, "%02d", cents % 100)
          + ",\"updated_at\":"
          + ts
          + ",\"vip\":"
          + ((h & 16) == 0)
          + "}";
    }

    @Override
    List<String> args(Setup s, String run) {
      List<String> a = super.args(s, run);
      a.addAll(List.of("--cdc.format", "debezium-json", "--cdc.tables", "customers=bench." + run));
      // One dead-letter table per run: it lists the tables its job mirrors, and the start guard
      // refuses a new job on mirrors another job committed to (an earlier round's table).
      a.addAll(List.of("--iceberg.dead-letter-table", deadLetters(run)));
      return a;
    }

    private static String deadLetters(String run) {
      return run + "_dead_letters";
    }

    /** The job's source and decoder (Debezium JSON into its row changes) into a counting sink. */
    @Override
    Outcome ceiling(Setup s, String run) throws Exception {
      ConfigLoader.Loaded loaded = ConfigLoader.load(args(s, run).toArray(new String[0]));
      TributaryConfig config = TributaryConfig.validate(loaded.groups, TributaryOptions.ALL);
      StreamExecutionEnvironment env = Components.environment(config, loaded.origin);
      Checked<RowChange> changes =
          Changes.read(
              Components.source(config, "cdc"),
              env,
              config.get(CdcOptions.GROUP, CdcOptions.FORMAT),
              config.get(CdcOptions.GROUP, CdcOptions.POSITION),
              Components.cdcTables(config),
              "cdc");
      changes
          .rows()
          .addSink(new CountingDiscard<RowChange>(BenchRuns.CEILING_ROWS))
          .name("discard");
      changes
          .deadLetters()
          .addSink(new CountingDiscard<DeadLetter>(BenchRuns.CEILING_DEAD_ROWS))
          .name("discard dead letters");
      JobExecutionResult r = env.execute(run);
      Outcome o = new Outcome();
      o.count("records read", r.getAccumulatorResult(Metrics.RECORDS_IN));
      o.count("row changes counted", r.getAccumulatorResult(BenchRuns.CEILING_ROWS));
      o.count("rejected", r.getAccumulatorResult(BenchRuns.CEILING_DEAD_ROWS));
      o.complete =
          o.counts.get("records read") == events
              && o.counts.get("row changes counted") == events
              && o.counts.get("rejected") == 0;
      return o;
    }

    @Override
    Outcome job(Setup s, String run) throws Exception {
      Main.Run r = Main.run(args(s, run).toArray(new String[0]));
      Outcome o = new Outcome().table("bench", run);
      o.count("records read", r.result.getAccumulatorResult(Metrics.RECORDS_IN));
      long rows = TableSummary.of(s.catalog("bench"), run).rows;
      o.count("table rows", rows);
      long dead = TableSummary.of(s.catalog("bench"), deadLetters(run)).rows;
      o.count("dead letters", dead);
      o.complete = o.counts.get("records read") == events && rows == liveRows && dead == 0;
      return o;
    }

    @Override
    TableResult insert(Setup s, String run) throws Exception {
      StreamTableEnvironment t = sqlEnvironment(s, run);
      t.executeSql(sqlSource(s, run, COLUMNS, "'format' = 'debezium-json'"));
      t.executeSql(
          "CREATE TABLE ice.sqlbench."
              + run
              + " ("
              + COLUMNS.replace("id INT", "id INT NOT NULL")
              + ", PRIMARY KEY (id) NOT ENFORCED) WITH ("
              + properties(s, ", 'format-version' = '2', 'write.upsert.enabled' = 'true'")
              + ")");
      return t.executeSql("INSERT INTO ice.sqlbench." + run + " SELECT * FROM src");
    }

    /** Exact when the table's live rows are the generator's final state after {@code sent}. */
    @Override
    Outcome exact(Setup s, String run, String kind, long sent) {
      String database = kind.equals("job") ? "bench" : "sqlbench";
      long rows = TableSummary.of(s.catalog(database), run).rows;
      Outcome o = new Outcome().table(database, run).count("table rows", rows);
      o.complete = rows == liveRows && jobDeadLetters(s, run, kind, o) == 0;
      return o;
    }
  }

  static List<Workload> all(List<String> names, String ingestSpec) {
    List<Workload> out = new ArrayList<>();
    for (String n : names) {
      switch (n.trim()) {
        case "ingest":
          out.add(new Ingest(ingestSpec));
          break;
        case "aggregate":
          out.add(new Aggregate());
          break;
        case "cdc":
          out.add(new Cdc());
          break;
        default:
          throw new IllegalArgumentException(
              "bench.jobs: unknown job '"
                  + n
                  + "'; "
                  + Arrays.asList("ingest", "aggregate", "cdc"));
      }
    }
    return out;
  }
}
