package io.tributary.source;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
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
  public SourceReader<T, S> createReader(SourceReaderContext context) throws Exception {
    return new Reader<>(delegate.createReader(context), checkpoints);
  }

  private static final class Reader<T, S extends SourceSplit> implements SourceReader<T, S> {
    private final SourceReader<T, S> delegate;
    private final int checkpoints;
    private boolean exhausted;
    private long firstCheckpointAfterEnd = -1;
    private int completedAfterEnd;
    private final CompletableFuture<Void> covered = new CompletableFuture<>();

    Reader(SourceReader<T, S> delegate, int checkpoints) {
      this.delegate = delegate;
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
        if (++completedAfterEnd >= checkpoints) {
          covered.complete(null);
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
