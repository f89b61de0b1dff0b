package dev.beamckpt.checkpoint.adapter.direct;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.RecoveryPlan;
import dev.beamckpt.checkpoint.adapter.CheckpointAdapter;
import dev.beamckpt.checkpoint.execution.QueryExecution;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import java.io.IOException;
import java.util.Optional;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.PipelineRunner;

/**
 * The DirectRunner keeps all state in memory, so recovery is by deterministic replay: a restart
 * re-runs the retained receive logs batch by batch, with sink output muted up to the last commit.
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
  public Optional<String> resumeNote(CheckpointLocation location, RecoveryPlan plan) {
    return Optional.of("on the DirectRunner the next run replays " + plan.replay().size()
        + " retained batch(es) with output muted" + plan.pending().map(p -> ", re-runs planned batch " + p.getKey()).orElse("")
        + ", and continues at batch " + plan.nextBatchId());
  }
}
