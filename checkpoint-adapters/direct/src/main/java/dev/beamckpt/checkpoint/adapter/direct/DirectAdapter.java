package dev.beamckpt.checkpoint.adapter.direct;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.LocationDescription;
import dev.beamckpt.checkpoint.RecoveryPlan;
import dev.beamckpt.checkpoint.adapter.CheckpointAdapter;
import dev.beamckpt.checkpoint.execution.QueryExecution;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import dev.beamckpt.checkpoint.fingerprint.PipelineFingerprint;
import dev.beamckpt.checkpoint.state.StateStores;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.PipelineRunner;

/**
 * The DirectRunner keeps state in memory. The lifted aggregations (running counts, append-mode
 * windows) also keep it as versions in the location's state store, one per committed batch: a
 * restart loads the newest version and replays, with sink output muted, only the batches
 * committed after it. A pipeline with state the store does not hold (a grouping, another
 * trigger, a DoFn's own state) recovers by replaying the whole receive log.
 */
public final class DirectAdapter implements CheckpointAdapter {
  @Override
  public boolean supports(Class<? extends PipelineRunner<?>> runner) {
    return DirectRunner.class.isAssignableFrom(runner);
  }

  @Override
  public QueryExecution start(QuerySpec spec) throws IOException {
    return DirectMicroBatchExecution.start(spec);
  }

  @Override
  public List<LocationDescription.Line> describeState(CheckpointLocation location) throws IOException {
    int operators = StateStores.operatorsIn(location.storage());
    if (operators == 0) {
      return List.of();
    }
    return List.of(new LocationDescription.Line("State versions", operators + " operator(s) in state/, for the"
        + " DirectRunner", StateStores.describe(location.storage(), operators)));
  }

  @Override
  public Optional<String> resumeNote(CheckpointLocation location, RecoveryPlan plan) throws IOException {
    if (!PipelineFingerprint.keepsState(location.metadata().statefulSteps())) {
      return Optional.of("on the DirectRunner the next run " + plan.pending().map(p -> "re-runs planned batch "
          + p.getKey() + " and ").orElse("") + "continues at batch " + plan.nextBatchId() + ", nothing to replay");
    }
    int operators = StateStores.operatorsIn(location.storage());
    long restored = operators == 0 ? 0
        : StateStores.load(location.storage(), operators, plan.lastCommitted(), w -> {}).version();
    long replayed = plan.replay().keySet().stream().filter(b -> b > restored).count();
    String start = restored > 0 ? "restores state version " + restored + " and replays " + replayed
        : "rebuilds state by replaying the receive log: " + replayed;
    return Optional.of("on the DirectRunner the next run " + start + " batch(es) with output muted"
        + plan.pending().map(p -> ", re-runs planned batch " + p.getKey()).orElse("")
        + ", and continues at batch " + plan.nextBatchId());
  }
}
