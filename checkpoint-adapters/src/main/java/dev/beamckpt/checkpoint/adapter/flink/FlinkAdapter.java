package dev.beamckpt.checkpoint.adapter.flink;

import dev.beamckpt.checkpoint.adapter.CheckpointAdapter;
import dev.beamckpt.checkpoint.execution.QueryExecution;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import java.io.IOException;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.PipelineRunner;

/**
 * Flink keeps state in its own checkpoints: the location's {@code state/} is Flink's checkpoint
 * storage, a restart resumes from the newest completed checkpoint or savepoint in it, and the
 * result table lives in Flink state, so batches are delivered from inside the job.
 */
public final class FlinkAdapter implements CheckpointAdapter {
  @Override
  public boolean supports(Class<? extends PipelineRunner<?>> runner) {
    return FlinkRunner.class.isAssignableFrom(runner);
  }

  @Override
  public boolean resultTableInRunnerState() {
    return true;
  }

  @Override
  public QueryExecution start(QuerySpec spec) throws IOException {
    return FlinkQueryExecution.start(spec);
  }
}
