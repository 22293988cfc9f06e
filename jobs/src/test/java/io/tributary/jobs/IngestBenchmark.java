package io.tributary.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tributary.config.ConfigLoader;
import io.tributary.config.TributaryConfig;
import io.tributary.format.EventSchema;
import io.tributary.format.JsonEventDecoder;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.IcebergSinkBuilder;
import io.tributary.iceberg.TableSummary;
import io.tributary.quality.DeadLetter;
import io.tributary.runtime.FlinkEnvironment;
import io.tributary.runtime.Metrics;
import io.tributary.runtime.TributaryOptions;
import io.tributary.source.EcommerceEvents;
import io.tributary.source.KafkaOptions;
import io.tributary.source.RawRecord;
import io.tributary.testing.KafkaServer;
import io.tributary.testing.Tables;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.RichSinkFunction;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest} against (a) its Flink SQL twin (Kafka table with the {@code json} format, {@code
 * INSERT INTO} an Iceberg table) and (b) the read-and-parse ceiling (Flink's {@link KafkaSource}
 * decoding every record with the job's own {@link JsonEventDecoder}, into a sink that only counts),
 * on the same preloaded Kafka topic, in one process. Each round runs the job, the ceiling, then the
 * SQL twin. The topic holds {@link EcommerceEvents} (about 250 bytes of JSON each, none bad, none
 * late, event times from two hours ago on), round robin over two partitions, without keys.
 *
 * <p>After every job and SQL run the Iceberg table must hold exactly the events sent (and the job's
 * dead-letter table none, its decode stage must have seen each event once); the ceiling must count
 * exactly the events, none rejected. The benchmark fails otherwise.
 *
 * <p>Not part of the test suite (the name does not end in Test); run it with:
 *
 * <pre>
 * cd /work/main &amp;&amp; mvn -q -o install -DskipTests &amp;&amp; mvn -q -o -pl jobs test \
 *   -Dtest=IngestBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbench.events=1000000
 * </pre>
 *
 * {@code -Dbench.events} (default 1000000); {@code -Dbench.rounds} (default 3); {@code
 * -Dbench.partition-spec} (default empty: both tables unpartitioned, what Flink SQL's {@code CREATE
 * TABLE} can express too). With a spec such as {@code days(ts)} the job gets it as {@code
 * iceberg.partition-spec} and the SQL twin inserts into a table created beforehand with the same
 * spec and properties through the job's own {@link IcebergSinkBuilder#provision()}, since Flink
 * SQL's Iceberg DDL partitions only by identity columns. Results go to {@code
 * jobs/target/bench-ingest.txt}.
 *
 * <p>All variants: parallelism 2, exactly-once checkpoints every 10 s to the file system, heap
 * state, one restart at most. The job and the ceiling get their Flink settings from {@link
 * FlinkEnvironment}, as {@link Main} does; the SQL twin the same through a {@link Configuration}.
 */
class IngestBenchmark {
  static final String TOPIC = "events";
  static final int PARTITIONS = 2;
  static final long SEED = 7;
  static final String CHECKPOINT_INTERVAL = "10 s";

  /** The ceiling's accumulator: rows that reached its sink. */
  static final String CEILING_ROWS = "benchCeilingRows";

  /** Records the ceiling's decoder rejected (everything runs in this JVM). */
  static final AtomicLong CEILING_DEAD = new AtomicLong();

  static final AtomicReference<String> CEILING_FIRST_DEAD = new AtomicReference<>();

  /** The SQL source: the schema without NOT NULL (the sink table enforces it), with watermarks. */
  static final String SOURCE_DDL =
      "CREATE TABLE events_src ("
          + EcommerceEvents.SCHEMA.replace(" NOT NULL", "")
          + ", WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = 'kafka',"
          + " 'topic' = '"
          + TOPIC
          + "', 'properties.bootstrap.servers' = '%s', 'properties.group.id' = '%s',"
          + " 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',"
          + " 'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601')";

  static final String INSERT = "INSERT INTO ice.sqlbench.%s SELECT * FROM events_src";

  @TempDir Path dir;

  @Test
  void run() throws Exception {
    int events = Integer.getInteger("bench.events", 1_000_000);
    int rounds = Integer.getInteger("bench.rounds", 3);
    String spec = System.getProperty("bench.partition-spec", "").trim();
    StringBuilder report = new StringBuilder();
    boolean failed = false;
    Probe probe = Probe.install();
    try (KafkaServer kafka = KafkaServer.start()) {
      kafka.createTopic(TOPIC, PARTITIONS);
      long start =
          Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toEpochMilli();
      // At most an hour of event time, so no event is ahead of the wall clock.
      double rate = Math.max(1000.0, events / 3600.0);
      EcommerceEvents generator = new EcommerceEvents(SEED, start, rate, 0.0, 0.0);
      long bytes = 0;
      List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
      for (int i = 0; i < events; i++) {
        byte[] value = generator.event(i).getBytes(UTF_8);
        bytes += value.length;
        batch.add(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, value));
        if (batch.size() == 10_000) {
          kafka.sendAll(TOPIC, batch);
          batch.clear();
        }
      }
      kafka.sendAll(TOPIC, batch);
      report.append(
          String.format(
              Locale.ROOT,
              "ingest vs Flink SQL vs read-and-parse ceiling, Kafka -> Iceberg (ceiling: ->"
                  + " discard)%n"
                  + "%d events: EcommerceEvents(seed %d, start %s, %.0f/s, bad 0, late 0), %d bytes"
                  + " of JSON values, %d per event on average%n"
                  + "topic: %d partitions, event i to partition i %% %d, no keys; parallelism 2,"
                  + " exactly-once checkpoints every %s; %d CPUs%n"
                  + "Iceberg tables: %s, properties %s%n"
                  + "order per round: ingest, ceiling, SQL; events/s = events / wall time of the"
                  + " whole run (Flink start-up, table creation and final commit included); round 0"
                  + " starts in a cold JVM, so its first run (ingest) also pays class loading and"
                  + " JIT warm-up%n"
                  + "drained = when the last source split finished reading (SourceReaderBase log),"
                  + " from the same start; CPU = this JVM's CPU time per million events (Kafka"
                  + " broker, a separate process, shown apart)%n"
                  + "after draining: the final checkpoint and commit; a run flagged 'waited' had a"
                  + " source that ends only after two more completed checkpoints"
                  + " (EndAfterCheckpoint), up to two checkpoint intervals of waiting%n",
              events,
              SEED,
              Instant.ofEpochMilli(start),
              rate,
              bytes,
              bytes / Math.max(events, 1),
              PARTITIONS,
              PARTITIONS,
              CHECKPOINT_INTERVAL,
              Runtime.getRuntime().availableProcessors(),
              spec.isEmpty() ? "unpartitioned" : "partitioned by " + spec,
              new TreeMap<>(catalog("bench").tableProperties())));
      String sqlPlan = sqlPlan(kafka, spec);
      Map<String, List<Double>> series = new LinkedHashMap<>();
      TableSummary lastJob = null;
      TableSummary lastSql = null;
      for (int round = 0; round < rounds; round++) {
        final int r = round;
        Timed<Main.Run> job = measure(probe, () -> runJob(kafka, r, spec));
        Timed<JobExecutionResult> ceiling = measure(probe, () -> runCeiling(kafka, r, spec));
        Timed<Void> sql = measure(probe, () -> runSql(kafka, r, spec));

        TableSummary jobTable = TableSummary.of(catalog("bench"), "job_" + round);
        TableSummary jobDead = TableSummary.of(catalog("bench"), "job_" + round + "_dead_letters");
        Object in = job.value.result.getAccumulatorResult(Metrics.RECORDS_IN);
        boolean jobOk = jobTable.rows == events && jobDead.rows == 0 && equal(in, events);
        String jobCheck =
            String.format(
                Locale.ROOT,
                "%s %d rows, %d dead letters, decode stage saw %s records; %d data files, %s",
                jobOk ? "OK" : "WRONG",
                jobTable.rows,
                jobDead.rows,
                in,
                jobTable.dataFiles,
                megabytes(jobTable.bytes));
        Object counted = ceiling.value.getAccumulatorResult(CEILING_ROWS);
        long dead = CEILING_DEAD.get();
        boolean ceilingOk = equal(counted, events) && dead == 0;
        String ceilingCheck =
            String.format(
                Locale.ROOT,
                "%s %s rows counted, %d rejected%s",
                ceilingOk ? "OK" : "WRONG",
                counted,
                dead,
                dead == 0 ? "" : " (first: " + CEILING_FIRST_DEAD.get() + ")");
        TableSummary sqlTable = TableSummary.of(catalog("sqlbench"), "sql_" + round);
        boolean sqlOk = sqlTable.rows == events;
        String sqlCheck =
            String.format(
                Locale.ROOT,
                "%s %d rows; %d data files, %s",
                sqlOk ? "OK" : "WRONG",
                sqlTable.rows,
                sqlTable.dataFiles,
                megabytes(sqlTable.bytes));
        failed |= !jobOk || !ceilingOk || !sqlOk;
        lastJob = jobTable;
        lastSql = sqlTable;

        add(series, "ingest events/s", job.rate(events));
        add(series, "ceiling events/s", ceiling.rate(events));
        add(series, "SQL events/s", sql.rate(events));
        add(series, "ratio ingest/SQL", job.rate(events) / sql.rate(events));
        add(series, "ratio ingest/ceiling", job.rate(events) / ceiling.rate(events));
        add(series, "ingest drained events/s", job.drainedRate(events));
        add(series, "ceiling drained events/s", ceiling.drainedRate(events));
        add(series, "SQL drained events/s", sql.drainedRate(events));
        add(series, "drained ratio ingest/SQL", job.drainedRate(events) / sql.drainedRate(events));
        add(
            series,
            "drained ratio ingest/ceiling",
            job.drainedRate(events) / ceiling.drainedRate(events));
        add(series, "ingest CPU s/M events", job.cpuPerMillion(events));
        add(series, "ceiling CPU s/M events", ceiling.cpuPerMillion(events));
        add(series, "SQL CPU s/M events", sql.cpuPerMillion(events));
        add(series, "ingest broker CPU s/M events", job.brokerCpuPerMillion(events));
        add(series, "ceiling broker CPU s/M events", ceiling.brokerCpuPerMillion(events));
        add(series, "SQL broker CPU s/M events", sql.brokerCpuPerMillion(events));

        report.append(String.format(Locale.ROOT, "round %d:%n", round));
        report.append(job.line("ingest", events, jobCheck));
        report.append(ceiling.line("ceiling", events, ceilingCheck));
        report.append(sql.line("SQL", events, sqlCheck));
        report.append(
            String.format(
                Locale.ROOT,
                "  ratios: ingest/SQL %.2f, ingest/ceiling %.2f; drained: ingest/SQL %.2f,"
                    + " ingest/ceiling %.2f%n",
                job.rate(events) / sql.rate(events),
                job.rate(events) / ceiling.rate(events),
                job.drainedRate(events) / sql.drainedRate(events),
                job.drainedRate(events) / ceiling.drainedRate(events)));
        System.out.print(report.substring(report.lastIndexOf("round ")));
      }
      report.append(String.format(Locale.ROOT, "median [min..max] over %d rounds:%n", rounds));
      for (Map.Entry<String, List<Double>> e : series.entrySet()) {
        boolean ratio = e.getKey().contains("ratio") || e.getKey().contains("CPU");
        report.append(
            String.format(
                Locale.ROOT, "  %-30s %s%n", e.getKey(), stats(e.getValue(), ratio ? 2 : 0)));
      }
      report.append(
          String.format(
              Locale.ROOT,
              "final tables (round %d, snapshot summary total-data-files / total-files-size):"
                  + " ingest %d files, %d bytes; SQL %d files, %d bytes%n",
              rounds - 1,
              lastJob == null ? 0 : lastJob.dataFiles,
              lastJob == null ? 0 : lastJob.bytes,
              lastSql == null ? 0 : lastSql.dataFiles,
              lastSql == null ? 0 : lastSql.bytes));
      report.append("SQL plan:\n").append(sqlPlan).append('\n');
    } finally {
      probe.uninstall();
    }
    Files.writeString(Path.of("target", "bench-ingest.txt"), report.toString());
    System.out.println(report);
    if (failed) {
      throw new AssertionError("a run did not process exactly the events sent:\n" + report);
    }
  }

  // ---------------------------------------------------------------- the variants

  private String[] args(KafkaServer kafka, String group, String table, String spec) {
    return new String[] {
      "--job.name",
      "ingest",
      "--job.parallelism",
      "2",
      "--job.checkpoint.interval",
      CHECKPOINT_INTERVAL,
      "--job.checkpoint.dir",
      dir.resolve("cp").toUri().toString(),
      "--job.restart.max-attempts",
      "1",
      "--source.type",
      "kafka",
      "--source.bounded",
      "true",
      "--kafka.bootstrap.servers",
      kafka.bootstrapServers(),
      "--kafka.topics",
      TOPIC,
      "--kafka.start",
      "earliest",
      "--kafka.group.id",
      group,
      "--format.schema",
      EcommerceEvents.SCHEMA,
      "--format.event-time.field",
      "ts",
      // Events are 1 to 2 hours old (default max-future 1 h): none is out of bounds.
      "--format.event-time.max-past",
      "7 d",
      "--iceberg.warehouse",
      warehouse(),
      "--iceberg.database",
      "bench",
      "--iceberg.table",
      table,
      "--iceberg.partition-spec",
      spec
    };
  }

  private Main.Run runJob(KafkaServer kafka, int round, String spec) throws Exception {
    return Main.run(args(kafka, "job-" + round, "job_" + round, spec));
  }

  /** KafkaSource + the job's decoder + a sink that counts; configured as Main configures. */
  private JobExecutionResult runCeiling(KafkaServer kafka, int round, String spec)
      throws Exception {
    CEILING_DEAD.set(0);
    CEILING_FIRST_DEAD.set(null);
    ConfigLoader.Loaded loaded =
        ConfigLoader.load(args(kafka, "ceiling-" + round, "ceiling_" + round, spec));
    TributaryConfig config = TributaryConfig.validate(loaded.groups, TributaryOptions.ALL);
    EventSchema schema = EventSchema.fromConfig(config);
    StreamExecutionEnvironment env = FlinkEnvironment.create(config, loaded.origin);
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
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka: " + TOPIC)
        .addSink(new CountingDiscard())
        .name("discard");
    return env.execute("ceiling-" + round);
  }

  private Void runSql(KafkaServer kafka, int round, String spec) throws Exception {
    String table = "sql_" + round;
    StreamTableEnvironment t = sqlEnvironment(kafka, "sql-" + round, table, spec);
    t.executeSql(String.format(Locale.ROOT, INSERT, table)).await();
    return null;
  }

  /** The plan of the SQL twin, from a table that is created but never written. */
  private String sqlPlan(KafkaServer kafka, String spec) {
    StreamTableEnvironment t = sqlEnvironment(kafka, "sql-plan", "sql_plan", spec);
    String plan = t.explainSql(String.format(Locale.ROOT, INSERT, "sql_plan"));
    return plan.substring(Math.max(0, plan.indexOf("== Optimized Execution Plan ==")));
  }

  /**
   * The twin's source table and sink table (with the job's table properties): by DDL when
   * unpartitioned, else created beforehand with the job's own provisioning.
   */
  private StreamTableEnvironment sqlEnvironment(
      KafkaServer kafka, String group, String table, String spec) {
    Configuration conf = new Configuration();
    conf.setString("execution.checkpointing.interval", CHECKPOINT_INTERVAL);
    conf.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
    conf.setString("state.backend.type", "hashmap");
    conf.setString("execution.checkpointing.dir", dir.resolve("cp-sql").toUri().toString());
    conf.setString("restart-strategy.type", "fixed-delay");
    conf.setString("restart-strategy.fixed-delay.attempts", "1");
    conf.setString("restart-strategy.fixed-delay.delay", "1 s");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    StreamTableEnvironment t =
        StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
    t.getConfig().set("table.local-time-zone", "UTC");
    // The job's readers stop holding watermarks back after 30 s without events too.
    t.getConfig().set("table.exec.source.idle-timeout", "30 s");
    t.executeSql(String.format(Locale.ROOT, SOURCE_DDL, kafka.bootstrapServers(), group));
    t.executeSql(
        "CREATE CATALOG ice WITH ('type' = 'iceberg', 'catalog-type' = 'hadoop', 'warehouse' = '"
            + Path.of(warehouse()).toUri()
            + "')");
    t.executeSql("CREATE DATABASE IF NOT EXISTS ice.sqlbench");
    IcebergCatalog sqlCatalog = catalog("sqlbench");
    if (spec.isEmpty()) {
      t.executeSql(
          "CREATE TABLE ice.sqlbench."
              + table
              + " ("
              + EcommerceEvents.SCHEMA
              + ") WITH ("
              + new TreeMap<>(sqlCatalog.tableProperties())
                  .entrySet().stream()
                      .map(e -> "'" + e.getKey() + "' = '" + e.getValue() + "'")
                      .collect(Collectors.joining(", "))
              + ")");
    } else {
      IcebergSinkBuilder.forRows(null, EventSchema.parse(EcommerceEvents.SCHEMA))
          .catalog(sqlCatalog)
          .table(table)
          .partitionedBy(spec)
          .provision();
    }
    return t;
  }

  private String warehouse() {
    return dir.resolve("warehouse").toString();
  }

  private IcebergCatalog catalog(String database) {
    return Tables.hadoop(warehouse(), database);
  }

  /** Decodes each Kafka record as the job's reader does, keeping only valid rows. */
  static final class DecodeOnly implements KafkaRecordDeserializationSchema<RowData> {
    private static final long serialVersionUID = 1L;

    private final JsonEventDecoder decoder;
    private final TypeInformation<RowData> type;
    private transient Consumer<DeadLetter> reject;

    DecodeOnly(JsonEventDecoder decoder, TypeInformation<RowData> type) {
      this.decoder = decoder;
      this.type = type;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
      decoder.open();
      reject =
          d -> {
            CEILING_DEAD.incrementAndGet();
            CEILING_FIRST_DEAD.compareAndSet(null, d.reason + ": " + d.errorMessage);
          };
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<RowData> out) {
      RowData row = decoder.decode(RawRecord.fromKafka(r), System.currentTimeMillis(), reject);
      if (row != null) {
        out.collect(row);
      }
    }

    @Override
    public TypeInformation<RowData> getProducedType() {
      return type;
    }
  }

  /** A discarding sink that counts what it discards in an accumulator. */
  static final class CountingDiscard extends RichSinkFunction<RowData> {
    private static final long serialVersionUID = 1L;
    private transient LongCounter rows;

    @Override
    public void open(OpenContext context) {
      rows = new LongCounter();
      getRuntimeContext().addAccumulator(CEILING_ROWS, rows);
    }

    @Override
    public void invoke(RowData value, Context context) {
      rows.add(1);
    }
  }

  // ---------------------------------------------------------------- measuring

  /** One run: its result, wall time, drain time and CPU. */
  static final class Timed<T> {
    T value;
    double seconds;
    double drainedSeconds = Double.NaN;
    int splitsFinished;
    int waitedForCheckpoints;
    double cpuSeconds;
    double brokerCpuSeconds;
    String failures;

    double rate(long events) {
      return events / seconds;
    }

    double drainedRate(long events) {
      return events / drainedSeconds;
    }

    double cpuPerMillion(long events) {
      return cpuSeconds / (events / 1e6);
    }

    double brokerCpuPerMillion(long events) {
      return brokerCpuSeconds / (events / 1e6);
    }

    String line(String name, long events, String check) {
      return String.format(
          Locale.ROOT,
          "  %-8s %8.0f events/s (%5.1f s wall; drained at %5.1f s = %8.0f events/s, %d splits%s);"
              + " CPU %5.1f s/M events, broker %4.1f s/M; task failures %s%n"
              + "           %s%n",
          name,
          rate(events),
          seconds,
          drainedSeconds,
          drainedRate(events),
          splitsFinished,
          waitedForCheckpoints == 0
              ? ""
              : ", waited: " + waitedForCheckpoints + " readers ended after checkpoints",
          cpuPerMillion(events),
          brokerCpuPerMillion(events),
          failures,
          check);
    }
  }

  static <T> Timed<T> measure(Probe probe, Callable<T> run) throws Exception {
    System.gc();
    probe.reset();
    Timed<T> t = new Timed<>();
    long cpu = processCpuNanos();
    long broker = brokerCpuNanos();
    long t0 = System.nanoTime();
    t.value = run.call();
    long t1 = System.nanoTime();
    t.cpuSeconds = (processCpuNanos() - cpu) / 1e9;
    t.brokerCpuSeconds = (brokerCpuNanos() - broker) / 1e9;
    t.seconds = (t1 - t0) / 1e9;
    long drained = probe.lastSplitFinished.get();
    if (drained > t0) {
      t.drainedSeconds = (drained - t0) / 1e9;
    }
    t.splitsFinished = probe.splitsFinished.get();
    t.waitedForCheckpoints = probe.waitedForCheckpoints.get();
    t.failures = probe.describeFailures();
    return t;
  }

  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** CPU time of this JVM's child processes: the Kafka broker KafkaServer started. */
  static long brokerCpuNanos() {
    return ProcessHandle.current()
        .children()
        .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
        .sum();
  }

  /**
   * Watches the log: task failures (Flink's Task logs each at WARN), readers that wait for
   * checkpoints after their last record (EndAfterCheckpoint, INFO), and when source splits finish
   * reading (Flink's SourceReaderBase logs each at INFO, raised to INFO here for this JVM).
   */
  static final class Probe extends AbstractAppender {
    static final String READER = "org.apache.flink.connector.base.source.reader.SourceReaderBase";

    final AtomicInteger failures = new AtomicInteger();
    final AtomicLong lastSplitFinished = new AtomicLong(Long.MIN_VALUE);
    final AtomicInteger splitsFinished = new AtomicInteger();

    /** Readers that, out of records, went on to wait for checkpoints (EndAfterCheckpoint). */
    final AtomicInteger waitedForCheckpoints = new AtomicInteger();

    private volatile String firstFailure;
    private Level readerLevel;

    private Probe() {
      super("bench-ingest-probe", null, null, true, Property.EMPTY_ARRAY);
    }

    static Probe install() {
      Probe a = new Probe();
      a.start();
      LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
      a.readerLevel = ctx.getConfiguration().getLoggerConfig(READER).getLevel();
      Configurator.setLevel(READER, Level.INFO);
      ctx.getConfiguration().addAppender(a);
      ctx.getConfiguration().getRootLogger().addAppender(a, Level.INFO, null);
      ctx.updateLoggers();
      return a;
    }

    void uninstall() {
      LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
      ctx.getConfiguration().getRootLogger().removeAppender(getName());
      Configurator.setLevel(READER, readerLevel);
      ctx.updateLoggers();
      stop();
    }

    @Override
    public void append(LogEvent e) {
      String logger = e.getLoggerName();
      String m = e.getMessage().getFormattedMessage();
      if (logger.equals(READER) && m.startsWith("Finished reading split")) {
        lastSplitFinished.set(System.nanoTime());
        splitsFinished.incrementAndGet();
      } else if (logger.endsWith(".EndAfterCheckpoint") && m.startsWith("Source reader out of")) {
        waitedForCheckpoints.incrementAndGet();
      } else if (logger.endsWith(".Task") && m.contains("switched from RUNNING to FAILED")) {
        failures.incrementAndGet();
        if (firstFailure == null) {
          Throwable t = e.getThrown();
          firstFailure = t == null ? m : t.getClass().getSimpleName() + ": " + t.getMessage();
        }
      }
    }

    void reset() {
      failures.set(0);
      firstFailure = null;
      lastSplitFinished.set(Long.MIN_VALUE);
      splitsFinished.set(0);
      waitedForCheckpoints.set(0);
    }

    String describeFailures() {
      return failures.get() == 0 ? "0" : failures.get() + " (first: " + firstFailure + ")";
    }
  }

  // ---------------------------------------------------------------- reporting

  static boolean equal(Object accumulated, long expected) {
    return accumulated instanceof Number && ((Number) accumulated).longValue() == expected;
  }

  static void add(Map<String, List<Double>> series, String name, double value) {
    series.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
  }

  static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB (%d bytes)", bytes / 1e6, bytes);
  }

  /** {@code median [min..max]}. */
  static String stats(List<Double> values, int decimals) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    double median =
        n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    String f = "%." + decimals + "f";
    return String.format(
        Locale.ROOT, f + " [" + f + ".." + f + "]", median, sorted.get(0), sorted.get(n - 1));
  }
}
