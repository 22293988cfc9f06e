package io.tributary.source;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;

/**
 * A bounded source whose readers, once out of records, wait for one or more completed checkpoints
 * before they end their input.
 *
 * <p>Why: what a writer holds when its input ends goes to the sink's end-of-input commit, and
 * Iceberg 1.10.1 on Flink 1.20.3 loses it two ways:
 *
 * <ul>
 *   <li>Sink v2 (the dynamic sink, cdc): the committer commits what is written after the last
 *       checkpoint only if it is tagged with the next checkpoint id (FLINK-37605, Flink 1.20.2+),
 *       but Iceberg's aggregators tag it {@code Long.MAX_VALUE}: never committed.
 *   <li>{@code FlinkSink} (ingest, aggregate, dead letters): every writer tags its end-of-input
 *       files {@code Long.MAX_VALUE}, and the committer keeps one manifest per tag. When a
 *       checkpoint completes between two writers' ends (readers of uneven partitions), the second
 *       writer's manifest replaces the first's: the first writer's tail is lost. The 5M-event
 *       benchmark lost 915,063 rows this way; IngestJobTest reproduces it.
 * </ul>
 *
 * Ending after a completed checkpoint that covers every record leaves nothing for that commit.
 *
 * <p>Waiting for the next checkpoint would cost up to a full interval per run. So the enumerator
 * reports a backlog (Flink's {@code isProcessingBacklog}) from its start until every reader is out
 * of records; {@code FlinkEnvironment} sets the user's interval as Flink's interval during backlog
 * and {@code source.end-checkpoint-interval} as the regular one. When the backlog clears, Flink's
 * checkpoint coordinator reschedules the next checkpoint that much later.
 */
public final class EndAfterCheckpoint<T, S extends SourceSplit, E>
    extends ForwardingSource<T, S, E> {
  private static final long serialVersionUID = 1L;
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(EndAfterCheckpoint.class);

  private final int checkpoints;

  /**
   * @param checkpoints completed checkpoints to wait for after the last record: one commits
   *     everything; cdc waits for a second, which commits what its table stage held back over a
   *     schema change until after the first (see ChangeTables)
   */
  public EndAfterCheckpoint(Source<T, S, E> delegate, int checkpoints) {
    super(delegate);
    if (checkpoints < 1) {
      throw new IllegalArgumentException("checkpoints must be at least 1: " + checkpoints);
    }
    this.checkpoints = checkpoints;
  }

  @Override
  public SplitEnumerator<S, E> createEnumerator(SplitEnumeratorContext<S> context)
      throws Exception {
    return new Enumerator<>(delegate.createEnumerator(context), context);
  }

  @Override
  public SplitEnumerator<S, E> restoreEnumerator(SplitEnumeratorContext<S> context, E checkpoint)
      throws Exception {
    // restored readers report again: their restored splits end at once
    return new Enumerator<>(delegate.restoreEnumerator(context, checkpoint), context);
  }

  /** A reader's message to the enumerator: it has read its last record. */
  static final class OutOfRecords implements SourceEvent {
    private static final long serialVersionUID = 1L;
  }

  /** A reader's message to the enumerator: its covering checkpoints completed; it ends now. */
  static final class Covered implements SourceEvent {
    private static final long serialVersionUID = 1L;
  }

  private static final class Enumerator<S extends SourceSplit, E> implements SplitEnumerator<S, E> {
    private final SplitEnumerator<S, E> delegate;
    private final SplitEnumeratorContext<S> context;
    private final Set<Integer> done = new HashSet<>();
    private final Set<Integer> covered = new HashSet<>();
    private boolean backlog;

    Enumerator(SplitEnumerator<S, E> delegate, SplitEnumeratorContext<S> context) {
      this.delegate = delegate;
      this.context = context;
    }

    @Override
    public void start() {
      backlog = true;
      context.setIsProcessingBacklog(true);
      delegate.start();
    }

    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent event) {
      if (event instanceof Covered) {
        // Back to the long interval while the tasks finish: a checkpoint triggered then would be
        // declined ("task is closing") and logged as a failure.
        covered.add(subtaskId);
        if (!backlog && covered.size() >= context.currentParallelism()) {
          backlog = true;
          context.setIsProcessingBacklog(true);
        }
        return;
      }
      if (!(event instanceof OutOfRecords)) {
        delegate.handleSourceEvent(subtaskId, event);
        return;
      }
      done.add(subtaskId);
      if (backlog && done.size() >= context.currentParallelism()) {
        backlog = false;
        LOG.info("Every source reader is out of records: checkpointing at the end interval");
        context.setIsProcessingBacklog(false);
      }
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
      delegate.handleSplitRequest(subtaskId, requesterHostname);
    }

    @Override
    public void addSplitsBack(List<S> splits, int subtaskId) {
      done.remove(subtaskId); // its splits come back to it: it has records again
      delegate.addSplitsBack(splits, subtaskId);
    }

    @Override
    public void addReader(int subtaskId) {
      delegate.addReader(subtaskId);
    }

    @Override
    public E snapshotState(long checkpointId) throws Exception {
      return delegate.snapshotState(checkpointId);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
      delegate.notifyCheckpointComplete(checkpointId);
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
      delegate.notifyCheckpointAborted(checkpointId);
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }

  @Override
  public SourceReader<T, S> createReader(SourceReaderContext context) throws Exception {
    return new Reader<>(delegate.createReader(context), context, checkpoints);
  }

  private static final class Reader<T, S extends SourceSplit> implements SourceReader<T, S> {
    private final SourceReader<T, S> delegate;
    private final SourceReaderContext context;
    private final int checkpoints;
    private boolean exhausted;
    private long firstCheckpointAfterEnd = -1;
    private int completedAfterEnd;
    private final CompletableFuture<Void> covered = new CompletableFuture<>();

    Reader(SourceReader<T, S> delegate, SourceReaderContext context, int checkpoints) {
      this.delegate = delegate;
      this.context = context;
      this.checkpoints = checkpoints;
    }

    @Override
    public void start() {
      delegate.start();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
      if (exhausted) {
        return covered.isDone() ? InputStatus.END_OF_INPUT : InputStatus.NOTHING_AVAILABLE;
      }
      InputStatus status = delegate.pollNext(output);
      if (status == InputStatus.END_OF_INPUT) {
        LOG.info(
            "Source reader out of records: ending after {} more completed checkpoint(s)",
            checkpoints);
        exhausted = true;
        context.sendSourceEventToCoordinator(new OutOfRecords());
        return InputStatus.NOTHING_AVAILABLE;
      }
      return status;
    }

    @Override
    public List<S> snapshotState(long checkpointId) {
      if (exhausted && firstCheckpointAfterEnd < 0) {
        firstCheckpointAfterEnd = checkpointId;
      }
      return delegate.snapshotState(checkpointId);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
      return exhausted ? covered : delegate.isAvailable();
    }

    @Override
    public void addSplits(List<S> splits) {
      delegate.addSplits(splits);
    }

    @Override
    public void notifyNoMoreSplits() {
      delegate.notifyNoMoreSplits();
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
      delegate.handleSourceEvents(event);
    }

    @Override
    public void pauseOrResumeSplits(
        java.util.Collection<String> pause, java.util.Collection<String> resume) {
      delegate.pauseOrResumeSplits(pause, resume);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
      delegate.notifyCheckpointComplete(checkpointId);
      if (firstCheckpointAfterEnd >= 0 && checkpointId >= firstCheckpointAfterEnd) {
        if (++completedAfterEnd >= checkpoints && !covered.isDone()) {
          covered.complete(null);
          context.sendSourceEventToCoordinator(new Covered());
        }
      }
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
      delegate.notifyCheckpointAborted(checkpointId);
    }

    @Override
    public void close() throws Exception {
      delegate.close();
    }
  }
}
