package dev.beamckpt.checkpoint.adapter.dataflow;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.execution.AbstractQueryExecution;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import dev.beamckpt.checkpoint.execution.QueryStatus;
import java.io.IOException;
import java.util.List;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --templateLocation}: the DataflowRunner writes the job (steps, options, the location's
 * settings) to a file instead of submitting it, with no Dataflow API call; the query ends at once.
 * Launching the template later is Dataflow's business; this run records nothing in {@code runs/}.
 */
final class TemplateWritten extends AbstractQueryExecution {
  private static final Logger LOG = LoggerFactory.getLogger(TemplateWritten.class);

  private TemplateWritten(QuerySpec spec, CheckpointLocation location, String runId, String templateLocation) {
    super(spec, location, runId, new QueryStatus("Template written to " + templateLocation, false, false));
  }

  static AbstractQueryExecution write(QuerySpec spec, CheckpointLocation location, String runId,
      DataflowPipelineOptions options) throws IOException {
    spec.pipeline().run();
    LOG.info("Query '{}': Dataflow template of job {} written to {}", spec.name(), options.getJobName(),
        options.getTemplateLocation());
    TemplateWritten written = new TemplateWritten(spec, location, runId, options.getTemplateLocation());
    written.finish(List.of(), location);
    written.status = new QueryStatus("Dataflow template written to " + options.getTemplateLocation()
        + " (job name " + options.getJobName() + "); nothing was submitted", false, false);
    return written;
  }

  @Override
  public void stop() {}
}
