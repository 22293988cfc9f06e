package io.tributary.iceberg;

import io.tributary.config.ConfigLists;
import io.tributary.config.OptionGroup;
import io.tributary.config.Options;
import io.tributary.config.Patterns;
import io.tributary.config.Ranges;
import java.time.Duration;
import java.util.Optional;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;

/**
 * Table maintenance run inside the jobs (Iceberg's Flink TableMaintenance): compaction, snapshot
 * expiry and orphan cleanup of every table a job writes. Defaults suit a 10 s checkpoint interval.
 */
public final class MaintenanceOptions {
  private MaintenanceOptions() {}

  /**
   * The smallest delete-orphans.min-age allowed: a file the writer closed for a checkpoint is
   * committed one checkpoint later, or after a restart; an hour covers commit retries and a quick
   * recovery.
   */
  public static final Duration MIN_ORPHAN_AGE = Duration.ofHours(1);

  /** delete-orphans.min-age must also be at least this many checkpoint intervals. */
  public static final int MIN_ORPHAN_AGE_CHECKPOINTS = 10;

  public static final ConfigOption<Boolean> ENABLED =
      Options.key("enabled")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Maintain every table the job writes (main, dead-letter, every cdc mirror, also"
                  + " those created while it runs) from inside the job. Only unbounded runs: a"
                  + " bounded run ends with its input and is never maintained. false turns every"
                  + " task off.");

  public static final ConfigOption<Boolean> PER_TABLE_PIPELINES =
      Options.key("per-table-pipelines")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "cdc: true maintains each mirror that exists at start with its own pipeline of"
                  + " Iceberg's TableMaintenance (about 21 operators per table), and mirrors"
                  + " created while the job runs with the job's one shared maintainer. false"
                  + " leaves every mirror to the shared maintainer (3 operators for any number of"
                  + " tables, one table at a time): for jobs mirroring many tables. Changing it"
                  + " changes the job graph (docs/maintenance.md).");

  public static final ConfigOption<Boolean> REWRITE_ENABLED =
      Options.key("rewrite.enabled")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Rewrite data files: bin-pack small files to rewrite.target-file-size and apply"
                  + " deletes while rewriting, so live equality deletes go away.");

  public static final ConfigOption<Integer> REWRITE_COMMIT_COUNT =
      Ranges.atLeast(
          1,
          Options.key("rewrite.commit-count")
              .intType()
              .defaultValue(60)
              .withDescription(
                  "Rewrite after this many commits since the last rewrite (60: every 10 min at"
                      + " a 10 s checkpoint interval)."));

  public static final ConfigOption<Integer> REWRITE_DATA_FILE_COUNT =
      Ranges.atLeast(
          1,
          Options.key("rewrite.data-file-count")
              .intType()
              .defaultValue(200)
              .withDescription("Rewrite after this many new data files since the last rewrite."));

  public static final ConfigOption<Duration> REWRITE_INTERVAL =
      Ranges.atLeast(
          Duration.ofSeconds(1),
          Options.key("rewrite.interval")
              .durationType()
              .defaultValue(Duration.ofMinutes(30))
              .withDescription(
                  "Rewrite at least this often. Whichever rewrite trigger comes first fires."));

  public static final ConfigOption<MemorySize> REWRITE_TARGET_FILE_SIZE =
      Ranges.atLeast(
          MemorySize.parse("1kb"),
          Options.key("rewrite.target-file-size")
              .memoryType()
              .defaultValue(MemorySize.parse("128mb"))
              .withDescription(
                  "Size of the files a rewrite writes. Files below 75% of it are rewritten."));

  public static final ConfigOption<Integer> REWRITE_DELETE_FILE_THRESHOLD =
      Ranges.atLeast(
          1,
          Options.key("rewrite.delete-file-threshold")
              .intType()
              .defaultValue(1)
              .withDescription(
                  "A data file with at least this many delete files applying to it is rewritten"
                      + " whatever its size. 1: every file an equality delete touches is"
                      + " rewritten, so the delete stops applying and is dropped."));

  public static final ConfigOption<Boolean> EXPIRE_ENABLED =
      Options.key("expire-snapshots.enabled")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Expire old snapshots and delete the files only they referenced. The newest"
                  + " snapshots stay, so restores still find the job's last committed"
                  + " checkpoint.");

  public static final ConfigOption<Duration> EXPIRE_INTERVAL =
      Ranges.atLeast(
          Duration.ofSeconds(1),
          Options.key("expire-snapshots.interval")
              .durationType()
              .defaultValue(Duration.ofHours(1))
              .withDescription("Expire snapshots this often."));

  public static final ConfigOption<Duration> EXPIRE_MAX_AGE =
      Ranges.atLeast(
          Duration.ofSeconds(1),
          Options.key("expire-snapshots.max-age")
              .durationType()
              .defaultValue(Duration.ofHours(6))
              .withDescription(
                  "Snapshots older than this are expired (time travel reaches back this far),"
                      + " except the newest expire-snapshots.retain-last."));

  public static final ConfigOption<Integer> EXPIRE_RETAIN_LAST =
      Ranges.atLeast(
          5,
          Options.key("expire-snapshots.retain-last")
              .intType()
              .defaultValue(20)
              .withDescription(
                  "The newest snapshots kept whatever their age. At least 5, so the job's own"
                      + " last commit (which a restore reads flink.max-committed-checkpoint-id"
                      + " from) is never expired by the few rewrite commits after it."));

  public static final ConfigOption<Boolean> ORPHANS_ENABLED =
      Options.key("delete-orphans.enabled")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Delete files under the table's location that no snapshot references and that are"
                  + " older than delete-orphans.min-age (left by failed writes and commits).");

  public static final ConfigOption<Duration> ORPHANS_INTERVAL =
      Ranges.atLeast(
          Duration.ofSeconds(1),
          Options.key("delete-orphans.interval")
              .durationType()
              .defaultValue(Duration.ofDays(1))
              .withDescription(
                  "Look for orphan files this often (it lists the table's whole location)."));

  public static final ConfigOption<Duration> ORPHANS_MIN_AGE =
      Ranges.atLeast(
          MIN_ORPHAN_AGE,
          Options.key("delete-orphans.min-age")
              .durationType()
              .defaultValue(Duration.ofDays(3))
              .withDescription(
                  "Only files older than this are orphans: a file written for a checkpoint that"
                      + " has not committed yet is younger. At least 1 h and at least"
                      + " 10 x job.checkpoint.interval; keep it above the longest time the job"
                      + " may be down and then restored from a checkpoint, and above the"
                      + " longest write of any other writer of the table."));

  public static final ConfigOption<Integer> PARALLELISM =
      Ranges.between(
          1,
          32768,
          Options.key("parallelism")
              .intType()
              .defaultValue(1)
              .withDescription(
                  "Parallelism of the rewrite and delete operators of each table's maintenance"
                      + " pipeline. Planning, triggering and committing always run in one task"
                      + " per table. The shared maintainer (tables created while a job runs, or"
                      + " per-table-pipelines = false) maintains this many tables at once, each"
                      + " in one thread of its single task; the maintain job, one table at a"
                      + " time."));

  public static final ConfigOption<Duration> RATE_LIMIT =
      Ranges.atLeast(
          Duration.ofSeconds(1),
          Options.key("rate-limit")
              .durationType()
              .defaultValue(Duration.ofMinutes(1))
              .withDescription(
                  "How often each table is polled for new commits, and the least time between two"
                      + " maintenance runs on one table."));

  public static final ConfigOption<Duration> LOCK_CHECK_DELAY =
      Ranges.atLeast(
          Duration.ofSeconds(1),
          Options.key("lock-check-delay")
              .durationType()
              .defaultValue(Duration.ofSeconds(30))
              .withDescription(
                  "When a table's maintenance lock is held (a run still going, or another"
                      + " maintainer), try again after this long."));

  public static final ConfigOption<String> MAINTAIN_TABLES =
      Patterns.checked(
          "table names, `table` or `namespace.table`, separated by `,` or `;`",
          MaintenanceOptions::tablesProblem,
          Options.key("maintain.tables")
              .stringType()
              .defaultValue("")
              .withDescription(
                  "The maintain job (job.name = maintain): the tables it maintains once, `table`"
                      + " (in iceberg.database) or `namespace.table`, separated by `,` or `;`."
                      + " With maintain.namespace, both are maintained."));

  private static Optional<String> tablesProblem(String value) {
    for (String t : ConfigLists.split(value)) {
      if (t.startsWith(".") || t.endsWith(".") || t.contains("..") || t.contains(" ")) {
        return Optional.of(
            "names '"
                + t
                + "', which is no table name: write `table` or `namespace.table`, separated by"
                + " `,` or `;`.");
      }
    }
    return Optional.empty();
  }

  public static final ConfigOption<String> MAINTAIN_NAMESPACE =
      Options.key("maintain.namespace")
          .stringType()
          .defaultValue("")
          .withDescription(
              "The maintain job: maintain every table of this namespace (e.g. `app`, or"
                  + " `db.schema` for a nested one), as listed when it starts.");

  public static final OptionGroup GROUP =
      OptionGroup.of(
              "maintenance",
              "Compaction, snapshot expiry and orphan cleanup of the job's tables, run by the job.")
          .add(
              ENABLED,
              PER_TABLE_PIPELINES,
              REWRITE_ENABLED,
              REWRITE_COMMIT_COUNT,
              REWRITE_DATA_FILE_COUNT,
              REWRITE_INTERVAL,
              REWRITE_TARGET_FILE_SIZE,
              REWRITE_DELETE_FILE_THRESHOLD,
              EXPIRE_ENABLED,
              EXPIRE_INTERVAL,
              EXPIRE_MAX_AGE,
              EXPIRE_RETAIN_LAST,
              ORPHANS_ENABLED,
              ORPHANS_INTERVAL,
              ORPHANS_MIN_AGE,
              PARALLELISM,
              RATE_LIMIT,
              LOCK_CHECK_DELAY,
              MAINTAIN_TABLES,
              MAINTAIN_NAMESPACE);
}
