package dev.beamckpt.checkpoint.execution;

import dev.beamckpt.checkpoint.log.CommitMetadata;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.log.SourceOffset;
import dev.beamckpt.checkpoint.source.SourceChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each committed batch into a {@link QueryProgress}, the same way on every runner (Spark's
 * ProgressReporter): a batch's rows per source are the distance between its offsets and those of
 * the batch before, its sources' status is what their receivers say in this JVM, and its
 * durations are the runner's own phases. Keeps the last batches for {@code lastProgress}.
 */
public final class ProgressReporter {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);
  private final String id;
  private final String runId;
  private final String name;
  private final Map<String, String> descriptions;
  private final ProgressHistory history = new ProgressHistory();
  private volatile Map<String, SourceChannel> channels = Map.of();
  /** Where the last batch run or reported ended: the next batch's start. */
  private OffsetSeq previous;

  /** @param descriptions each source's description by id, for people */
  ProgressReporter(String id, String runId, String name, Map<String, String> descriptions) {
    this.id = id;
    this.runId = runId;
    this.name = name;
    this.descriptions = Map.copyOf(descriptions);
  }

  /** The sources' receivers in this JVM, whose status and counters progress shows (none on a cluster). */
  public void channels(Map<String, SourceChannel> channels) {
    this.channels = Map.copyOf(channels);
  }

  /** A batch ran or committed without a report (a replay, the last commit before this run): the next starts here. */
  public synchronized void advance(OffsetSeq seq) {
    if (seq != null) {
      previous = seq;
    }
  }

  /**
   * Reports a committed batch.
   *
   * @param durationsMs the runner's phases (Direct: latestOffset, walCommit, addBatch, commitOffsets,
   *     triggerExecution; Flink: checkpoint)
   * @param processingMs how long the batch's processing took, or -1 where the runner does not say
   * @param state the result table's rows, or null where the runner keeps it
   */
  public synchronized QueryProgress committed(long batchId, OffsetSeq seq, CommitMetadata commit,
      Map<String, Long> durationsMs, long processingMs, QueryProgress.StateOperator state, String sinkDescription) {
    List<QueryProgress.Source> sources = new ArrayList<>();
    for (SourceOffset end : seq.sources()) {
      long start = previous != null ? previous.endOffset(end.source()) : 0;
      SourceChannel channel = channels.get(end.source());
      sources.add(new QueryProgress.Source(descriptions.getOrDefault(end.source(), end.source()), start, end.logEnd(),
          end.logEnd() - start, channel != null ? channel.status() : "", channel != null ? channel.metrics() : Map.of()));
    }
    // Input rate as Spark reports it: rows over the time since the batch before began (else this batch's run).
    long elapsedMs = previous != null && seq.batchTimestampMs() > previous.batchTimestampMs()
        ? seq.batchTimestampMs() - previous.batchTimestampMs()
        : durationsMs.getOrDefault("triggerExecution", commit.committedAtMs() - seq.batchTimestampMs());
    previous = seq;
    long rows = commit.numInputRows();
    Map<String, String> eventTime = seq.batchWatermarkMs() == Long.MIN_VALUE
        ? Map.of() : Map.of("watermark", Instant.ofEpochMilli(seq.batchWatermarkMs()).toString());
    QueryProgress progress = new QueryProgress(id, runId, name, Instant.ofEpochMilli(seq.batchTimestampMs()).toString(),
        batchId, rows, rows / (Math.max(1, elapsedMs) / 1000.0),
        processingMs < 0 ? 0 : rows / Math.max(0.001, processingMs / 1000.0), durationsMs, eventTime,
        state == null ? List.of() : List.of(state), sources, new QueryProgress.Sink(sinkDescription, commit.numOutputRows()));
    history.add(progress);
    LOG.info("Batch {} committed: {}", batchId, progress.json());
    return progress;
  }

  public Optional<QueryProgress> last() {
    return history.last();
  }

  public List<QueryProgress> all() {
    return history.all();
  }
}
