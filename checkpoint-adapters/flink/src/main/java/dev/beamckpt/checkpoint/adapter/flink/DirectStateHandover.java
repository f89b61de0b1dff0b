package dev.beamckpt.checkpoint.adapter.flink;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.CheckpointOptions;
import dev.beamckpt.checkpoint.combine.RunningState;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.source.LoggedSource;
import dev.beamckpt.checkpoint.source.LoggedSources;
import dev.beamckpt.checkpoint.state.StateStores;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A location the DirectRunner wrote, continued on Flink for the first time (no Flink restore point
 * yet): the job starts from the DirectRunner's newest state version, its running aggregates taking
 * the stored rows in and its sources reading the receive log from where that version ends. The
 * DirectRunner trims the log below its oldest version, so replaying the log from its start, as
 * before state versions, would miss records.
 */
final class DirectStateHandover {
  private static final Logger LOG = LoggerFactory.getLogger(DirectStateHandover.class);

  private DirectStateHandover() {}

  /** The rows to start from (none when the location holds no DirectRunner state versions). */
  static RunningState seed(QuerySpec spec, CheckpointLocation location, boolean liftCombiners) throws IOException {
    int operators = StateStores.operatorsIn(location.storage());
    if (operators == 0) {
      return RunningState.none();
    }
    long lastCommitted = location.commits().latestBatchId().orElse(0L);
    StateStores state = StateStores.load(location.storage(), operators, lastCommitted, LOG::warn);
    OffsetSeq at = state.offsets().orElse(null);
    if (state.version() == 0 || at == null) {
      return RunningState.none(); // nothing after the start can be rebuilt: the log was not trimmed either
    }
    if (!liftCombiners) {
      throw new IOException("Checkpoint location " + location.uri() + " holds the DirectRunner's state at batch "
          + state.version() + ", which Flink takes in through its lifted combines: run with --liftCombiners=true (the"
          + " default), or start over with a new --checkpointLocation.");
    }
    Map<String, Long> resume = new LinkedHashMap<>();
    for (LoggedSource source : LoggedSources.in(spec.pipeline())) {
      resume.put(source.sourceId(), at.endOffset(source.sourceId()));
    }
    spec.pipeline().getOptions().as(CheckpointOptions.class).setResumeOffsets(resume);
    LOG.info("Query '{}': starting on Flink from the DirectRunner's state version {} ({} rows); the receive logs are"
        + " read from {}", spec.name(), state.version(), state.rowCount(), resume);
    return new RunningState(false, state.rows());
  }
}
