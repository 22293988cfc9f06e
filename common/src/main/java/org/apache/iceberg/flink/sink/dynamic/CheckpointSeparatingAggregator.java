package org.apache.iceberg.flink.sink.dynamic;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.iceberg.flink.CatalogLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Iceberg's aggregator, fed one checkpoint at a time: writer results are held by the checkpoint
 * they were flushed for, and each checkpoint this subtask never saw a barrier for (an aborted one)
 * becomes its own committable, tagged with its own id, ahead of the current one. The committer then
 * commits them as separate snapshots in order, so a later flush's equality deletes apply to the
 * earlier flush's rows.
 */
class CheckpointSeparatingAggregator extends DynamicWriteResultAggregator {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointSeparatingAggregator.class);

  private transient TreeMap<Long, List<StreamRecord<CommittableMessage<DynamicWriteResult>>>> held;

  // Results for a checkpoint this subtask already emitted can only come late with unaligned
  // checkpoints (sinks do not support those); they join the current checkpoint, as upstream does,
  // because their own checkpoint may already be committed and would skip them.
  private transient long lastEmitted;

  CheckpointSeparatingAggregator(CatalogLoader catalogLoader, int cacheMaximumSize) {
    super(catalogLoader, cacheMaximumSize);
  }

  @Override
  public void open() throws Exception {
    super.open();
    held = new TreeMap<>();
    lastEmitted = Long.MIN_VALUE;
  }

  @Override
  public void processElement(StreamRecord<CommittableMessage<DynamicWriteResult>> element)
      throws Exception {
    if (element.getValue() instanceof CommittableWithLineage) {
      long checkpoint = ((CommittableWithLineage<?>) element.getValue()).getCheckpointIdOrEOI();
      held.computeIfAbsent(checkpoint, c -> new ArrayList<>()).add(element);
    }
    // Writer summaries carry nothing the aggregator uses; it emits its own.
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws IOException {
    List<StreamRecord<CommittableMessage<DynamicWriteResult>>> current = new ArrayList<>();
    Map<Long, List<StreamRecord<CommittableMessage<DynamicWriteResult>>>> upTo =
        held.headMap(checkpointId, true);
    for (Map.Entry<Long, List<StreamRecord<CommittableMessage<DynamicWriteResult>>>> e :
        upTo.entrySet()) {
      long flushedFor = e.getKey();
      if (flushedFor == checkpointId || flushedFor <= lastEmitted) {
        current.addAll(e.getValue());
      } else {
        LOG.info(
            "Checkpoint {} was aborted after {} writer flush(es) for it: committing them apart,"
                + " ahead of checkpoint {}",
            flushedFor,
            e.getValue().size(),
            checkpointId);
        feed(e.getValue());
        super.prepareSnapshotPreBarrier(flushedFor);
      }
    }
    upTo.clear();
    feed(current);
    super.prepareSnapshotPreBarrier(checkpointId);
    lastEmitted = checkpointId;
  }

  private void feed(List<StreamRecord<CommittableMessage<DynamicWriteResult>>> records)
      throws IOException {
    for (StreamRecord<CommittableMessage<DynamicWriteResult>> r : records) {
      try {
        super.processElement(r);
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e);
      }
    }
  }
}
