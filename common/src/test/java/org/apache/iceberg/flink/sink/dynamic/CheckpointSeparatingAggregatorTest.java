package org.apache.iceberg.flink.sink.dynamic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.api.connector.sink2.Committer.CommitRequest;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.sink.RowDataTaskWriterFactory;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.TaskWriter;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An aborted checkpoint: the writer flushed for checkpoint 2, the aggregator never saw barrier 2,
 * and the next barrier is 3. Each flush upserts key 1; the table must end with one row for it.
 */
class CheckpointSeparatingAggregatorTest {
  private static final Schema SCHEMA =
      new Schema(
          List.of(
              Types.NestedField.required(1, "id", Types.LongType.get()),
              Types.NestedField.optional(2, "v", Types.StringType.get())),
          Set.of(1));

  @TempDir Path dir;
  private CatalogLoader loader;
  private Table table;

  @BeforeEach
  void createTable() {
    loader = WarehouseTables.loader(dir);
    table = WarehouseTables.create(loader, TableIdentifier.of("db", "t"), SCHEMA);
  }

  @Test
  void aFlushOfAnAbortedCheckpointIsCommittedApartAndTheNextUpsertReplacesIt() throws Exception {
    List<DynamicCommittable> out =
        aggregate(new CheckpointSeparatingAggregator(loader, 100), upsert("a"), upsert("b"));

    assertThat(out).extracting(DynamicCommittable::checkpointId).containsExactly(2L, 3L);
    commitInCheckpointOrder(out);
    assertThat(rows()).containsExactly("1=b");
    assertThat(table.snapshots()).hasSize(2);
  }

  @Test
  void upstreamAggregatorFoldsTheAbortedFlushAndKeepsTheKeyTwice() throws Exception {
    // The bug the patch exists for; when this fails, Iceberg fixed it and the patch can go.
    List<DynamicCommittable> out =
        aggregate(new DynamicWriteResultAggregator(loader, 100), upsert("a"), upsert("b"));

    assertThat(out).extracting(DynamicCommittable::checkpointId).containsExactly(3L);
    commitInCheckpointOrder(out);
    assertThat(rows()).containsExactlyInAnyOrder("1=a", "1=b");
  }

  @Test
  void resultsOfOneCheckpointStayOneCommittable() throws Exception {
    CheckpointSeparatingAggregator aggregator = new CheckpointSeparatingAggregator(loader, 100);
    try (OneInputStreamOperatorTestHarness<
            CommittableMessage<DynamicWriteResult>, CommittableMessage<DynamicCommittable>>
        h = new OneInputStreamOperatorTestHarness<>(aggregator)) {
      h.open();
      h.processElement(result(upsert("a"), 1, 0));
      h.processElement(result(upsert("b"), 1, 1));
      h.prepareSnapshotPreBarrier(1);
      h.processElement(result(upsert("c"), 2, 0));
      h.prepareSnapshotPreBarrier(2);
      List<DynamicCommittable> out = committables(h);
      assertThat(out).extracting(DynamicCommittable::checkpointId).containsExactly(1L, 2L);
      commitInCheckpointOrder(out);
    }
    assertThat(rows()).containsExactly("1=c");
  }

  private List<DynamicCommittable> aggregate(
      DynamicWriteResultAggregator aggregator, WriteResult flushFor2, WriteResult flushFor3)
      throws Exception {
    try (OneInputStreamOperatorTestHarness<
            CommittableMessage<DynamicWriteResult>, CommittableMessage<DynamicCommittable>>
        h = new OneInputStreamOperatorTestHarness<>(aggregator)) {
      h.open();
      h.processElement(result(flushFor2, 2, 0));
      // barrier 2 never reaches this subtask: the checkpoint was aborted
      h.processElement(result(flushFor3, 3, 0));
      h.prepareSnapshotPreBarrier(3);
      return committables(h);
    }
  }

  private static List<DynamicCommittable> committables(
      OneInputStreamOperatorTestHarness<?, CommittableMessage<DynamicCommittable>> h) {
    List<CommittableMessage<DynamicCommittable>> messages = h.extractOutputValues();
    // each committable follows its own checkpoint's summary, as the committer requires
    long summaryFor = -1;
    List<DynamicCommittable> out = new ArrayList<>();
    for (CommittableMessage<DynamicCommittable> m : messages) {
      if (m instanceof CommittableSummary) {
        summaryFor = m.getCheckpointIdOrEOI();
      } else {
        assertThat(m.getCheckpointIdOrEOI()).isEqualTo(summaryFor);
        out.add(((CommittableWithLineage<DynamicCommittable>) m).getCommittable());
      }
    }
    return out;
  }

  private StreamRecord<CommittableMessage<DynamicWriteResult>> result(
      WriteResult r, long checkpoint, int writer) {
    WriteTarget target =
        new WriteTarget(
            "db.t",
            "main",
            table.schema().schemaId(),
            table.spec().specId(),
            true,
            new HashSet<>(Set.of(1))); // mutable: the harness copies output with Kryo
    return new StreamRecord<>(
        new CommittableWithLineage<>(new DynamicWriteResult(target, r), checkpoint, writer));
  }

  /** One writer flush upserting key 1 to value v: an equality delete of key 1, then the row. */
  private WriteResult upsert(String v) throws Exception {
    RowDataTaskWriterFactory factory =
        new RowDataTaskWriterFactory(
            table,
            FlinkSchemaUtil.convert(SCHEMA),
            1 << 27,
            FileFormat.PARQUET,
            Map.of(),
            List.of(1),
            true);
    factory.initialize(0, 0);
    TaskWriter<org.apache.flink.table.data.RowData> w = factory.create();
    w.write(GenericRowData.of(1L, StringData.fromString(v)));
    return w.complete();
  }

  /** What Flink's committer does: checkpoints in ascending order, each in one commit call. */
  private void commitInCheckpointOrder(List<DynamicCommittable> committables) throws Exception {
    Catalog catalog = loader.loadCatalog();
    TreeMap<Long, List<DynamicCommittable>> byCheckpoint =
        committables.stream()
            .collect(
                Collectors.groupingBy(
                    DynamicCommittable::checkpointId, TreeMap::new, Collectors.toList()));
    try (DynamicCommitter committer =
        new DynamicCommitter(catalog, Map.of(), false, 1, "test", null)) {
      for (List<DynamicCommittable> one : byCheckpoint.values()) {
        committer.commit(one.stream().map(Request::new).collect(Collectors.toList()));
      }
    }
    table.refresh();
  }

  private List<String> rows() throws Exception {
    try (CloseableIterable<Record> it = IcebergGenerics.read(table).build()) {
      List<String> rows = new ArrayList<>();
      it.forEach(r -> rows.add(r.getField("id") + "=" + r.getField("v")));
      return rows;
    }
  }

  private static final class Request implements CommitRequest<DynamicCommittable> {
    private final DynamicCommittable committable;

    Request(DynamicCommittable committable) {
      this.committable = committable;
    }

    @Override
    public DynamicCommittable getCommittable() {
      return committable;
    }

    @Override
    public int getNumberOfRetries() {
      return 0;
    }

    @Override
    public void signalFailedWithKnownReason(Throwable t) {
      throw new AssertionError("commit failed", t);
    }

    @Override
    public void signalFailedWithUnknownReason(Throwable t) {
      throw new AssertionError("commit failed", t);
    }

    @Override
    public void retryLater() {
      throw new AssertionError("commit asked to retry");
    }

    @Override
    public void updateAndRetryLater(DynamicCommittable c) {
      throw new AssertionError("commit asked to retry");
    }

    @Override
    public void signalAlreadyCommitted() {
      throw new AssertionError("already committed");
    }
  }
}
