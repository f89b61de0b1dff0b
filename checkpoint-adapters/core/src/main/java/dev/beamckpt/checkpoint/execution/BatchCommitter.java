package dev.beamckpt.checkpoint.execution;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.log.CommitMetadata;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.log.SourceOffset;
import dev.beamckpt.checkpoint.source.FinalizedOffsets;
import dev.beamckpt.checkpoint.source.LoggedSource;
import dev.beamckpt.checkpoint.source.LoggedSources;
import dev.beamckpt.checkpoint.storage.Storages;
import java.io.IOException;
import org.apache.beam.sdk.options.PipelineOptions;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.beam.sdk.util.common.ReflectHelpers;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Records batches in {@code offsets/} and {@code commits/} from inside a pipeline, for runners
 * whose own checkpoints make a batch durable (Flink): the sink step calls {@link #commit} only
 * after the runner's checkpoint holding the batch completed. The offsets are how far each receive
 * log was durable in the runner's checkpoints at that moment, as the sources recorded it in the
 * location ({@link FinalizedOffsets}), whichever TaskManager read them.
 */
public final class BatchCommitter implements Serializable {
  private final String locationUri;
  /**
   * The query's options as JSON (as Beam's SerializablePipelineOptions keeps them): how a task
   * reaches the location's storage (an endpoint, credentials); null for the environment's.
   */
  private final String optionsJson;
  private final List<String> sourceIds;
  private final int minBatchesToRetain;
  /** Opened once per task (reading the metadata), not per batch. */
  private transient CheckpointLocation location;

  /** The committer of a query's batches, or null if the query has no location. */
  public static BatchCommitter forQuery(QuerySpec spec) {
    if (spec.checkpointLocation() == null) {
      return null;
    }
    List<String> sourceIds = LoggedSources.in(spec.pipeline()).stream().map(LoggedSource::sourceId).toList();
    PipelineOptions options = spec.pipeline().getOptions();
    return new BatchCommitter(Storages.forLocation(spec.checkpointLocation(), options).uri(), sourceIds,
        spec.minBatchesToRetain(), toJson(options));
  }

  private static final ObjectMapper OPTIONS_JSON =
      new ObjectMapper().registerModules(ObjectMapper.findModules(ReflectHelpers.findClassLoader()));

  private static String toJson(PipelineOptions options) {
    try {
      return OPTIONS_JSON.writeValueAsString(options);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("The query's options cannot be passed to its tasks: " + e.getMessage(), e);
    }
  }

  public BatchCommitter(String locationUri, List<String> sourceIds, int minBatchesToRetain) {
    this(locationUri, sourceIds, minBatchesToRetain, null);
  }

  private BatchCommitter(String locationUri, List<String> sourceIds, int minBatchesToRetain, String optionsJson) {
    this.locationUri = locationUri;
    this.optionsJson = optionsJson;
    this.sourceIds = List.copyOf(sourceIds);
    this.minBatchesToRetain = minBatchesToRetain;
  }

  /**
   * The sequence number a table with no counter in runner state starts its outputs at: above every
   * one a commit records, so none of them is taken as already delivered.
   */
  public long firstTableSeq() throws IOException {
    return latest().tableSeq() + 1;
  }

  /**
   * The latest commit's batch id and the last table output it holds; zeros when nothing is
   * committed. The next batch takes the id after it and holds only the outputs numbered above it:
   * after a restore the runner delivers again what the restored checkpoint held, which may mix
   * outputs a commit holds with ones it does not.
   */
  public record Committed(long batchId, long tableSeq) {}

  /**
   * Reads the latest commit once. A commit without a table output number (the DirectRunner's, or
   * one written before commits recorded it, when a table output's number was its batch id) holds
   * every output numbered up to its batch id.
   */
  public Committed latest() throws IOException {
    Optional<Long> latest = location().commits().latestBatchId();
    if (latest.isEmpty()) {
      return new Committed(0, 0);
    }
    Long seq = location().commits().get(latest.get()).map(CommitMetadata::tableSeq).orElse(null);
    return new Committed(latest.get(), seq != null ? seq : latest.get());
  }

  private synchronized CheckpointLocation location() throws IOException {
    if (location == null) {
      location = CheckpointLocation.readOnly(locationUri, optionsJson == null ? null
          : OPTIONS_JSON.readValue(optionsJson, PipelineOptions.class));
    }
    return location;
  }

  /**
   * Commits a batch whose output the sink has written, holding the table outputs up to {@code
   * tableSeq}. Idempotent: a batch delivered again after a restore keeps its first record.
   */
  public void commit(long batchId, long batchTimestampMs, long outputRows, long tableSeq) throws IOException {
    CheckpointLocation location = location();
    if (location.commits().get(batchId).isPresent()) {
      return;
    }
    Optional<Long> previousId = location.offsets().latestBatchId();
    OffsetSeq previous = previousId.isPresent() ? location.offsets().get(previousId.get()).orElse(null) : null;
    List<SourceOffset> ends = new ArrayList<>();
    long inputRows = 0;
    for (String sid : sourceIds) {
      long before = previous != null ? previous.endOffset(sid) : 0;
      long end = Math.max(before, FinalizedOffsets.get(location.storage(), sid).orElse(before));
      ends.add(SourceOffset.ofLog(sid, end));
      inputRows += end - before;
    }
    location.offsets().add(batchId, new OffsetSeq(Long.MIN_VALUE, batchTimestampMs, ends));
    location.commit(batchId, new CommitMetadata(Long.MIN_VALUE, System.currentTimeMillis(), inputRows, outputRows, tableSeq),
        minBatchesToRetain);
  }
}
