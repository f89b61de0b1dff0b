package dev.beamckpt.checkpoint.adapter.dataflow;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.execution.AbstractQueryExecution;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import dev.beamckpt.checkpoint.execution.QueryStatus;
import dev.beamckpt.checkpoint.fingerprint.PipelineFingerprint;
import dev.beamckpt.checkpoint.log.RunInfo;
import dev.beamckpt.checkpoint.log.VersionedFormat;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import dev.beamckpt.runners.dataflow.DataflowJobName;
import dev.beamckpt.runners.dataflow.DataflowJobs;
import dev.beamckpt.runners.dataflow.DataflowJobs.JobState;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.beam.runners.dataflow.DataflowPipelineJob;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.sdk.PipelineResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A query running as a Dataflow job, driven from the process that started it. Dataflow keeps the
 * state; the location keeps the job name (the same at every start), each run's job id
 * ({@code runs/}), the snapshots stops took ({@code state/dataflow-snapshots/}), and the batches
 * the job's workers commit ({@code offsets/}, {@code commits/}, as on Flink).
 *
 * <p>Start: a new job, or the running one replaced ({@code --update}), or a new job from the last
 * stop's snapshot ({@code --createFromSnapshot}), as {@link RestartDecision} decides before
 * anything is submitted. Stop: snapshot the job (recorded), then drain or cancel it
 * ({@code --stopMode}). The process that started the job may also die: the job keeps running, and
 * the next start replaces it.
 */
final class DataflowQueryExecution extends AbstractQueryExecution {
  private static final Logger LOG = LoggerFactory.getLogger(DataflowQueryExecution.class);
  private static final long POLL_MS = 5000;

  private final CheckpointLocation location;
  private final DataflowJobs jobs;
  private final String jobId;
  private final String jobName;
  private final CountDownLatch stopDone = new CountDownLatch(1);
  private volatile boolean stopRequested;
  private long reportedBatch;

  private DataflowQueryExecution(QuerySpec spec, CheckpointLocation location, String runId, DataflowJobs jobs,
      String jobId, String jobName, String how) {
    super(spec, location, runId, new QueryStatus("Running as Dataflow job " + jobId + how, true, false));
    this.location = location;
    this.jobs = jobs;
    this.jobId = jobId;
    this.jobName = jobName;
  }

  static AbstractQueryExecution start(QuerySpec spec) throws IOException {
    String runId = UUID.randomUUID().toString();
    CheckpointLocation location = spec.openLocation(); // a location of another pipeline is refused here, before any call
    try {
      DataflowPipelineOptions options = spec.pipeline().getOptions().as(DataflowPipelineOptions.class);
      String stopMode = options.as(DataflowCheckpointOptions.class).getStopMode().toLowerCase(Locale.ROOT);
      if (!stopMode.equals("drain") && !stopMode.equals("cancel")) {
        throw new IllegalArgumentException("--stopMode=" + stopMode + " is not a way to stop a Dataflow job: use drain"
            + " (finish what was read) or cancel (at once).");
      }
      options.setStreaming(true); // a query is a streaming job, whatever its sources say
      if (location != null) {
        options.setJobName(DataflowJobName.of(spec.name(), location.metadata().id()));
      }
      if (options.getTemplateLocation() != null) {
        return TemplateWritten.write(spec, location, runId, options);
      }
      DataflowJobs jobs = new DataflowJobs(options);
      String how = "";
      long lastCommitted = location == null ? 0 : location.commits().latestBatchId().orElse(0L);
      PipelineFingerprint steps = PipelineFingerprint.of(spec.pipeline());
      if (options.getCreateFromSnapshot() != null) { // the user's snapshot: no decision, no lookup
        if (location != null) {
          mapRenamedSteps(spec, location, steps, options);
        }
        how = ", started from snapshot " + options.getCreateFromSnapshot() + " as given";
      } else if (location != null) {
        RestartDecision decision = decide(location, jobs, lastCommitted);
        if (decision.kind() == RestartDecision.Kind.UPDATE || decision.kind() == RestartDecision.Kind.FROM_SNAPSHOT) {
          mapRenamedSteps(spec, location, steps, options);
        }
        how = apply(decision, options);
      }
      LOG.info("Query '{}': submitting Dataflow job {} in {}/{}{}", spec.name(), options.getJobName(),
          options.getProject(), options.getRegion(), how);
      PipelineResult result = spec.pipeline().run();
      String jobId = ((DataflowPipelineJob) result).getJobId();
      if (location != null) {
        RenamedSteps.record(location.storage(), steps);
        location.runs().append(new RunInfo(runId, "DataflowRunner", System.currentTimeMillis(),
            LocalStorage.processDescription(), lastCommitted > 0 ? lastCommitted : -1, how.isEmpty() ? null : how.substring(2),
            jobId));
      }
      DataflowQueryExecution execution = new DataflowQueryExecution(spec, location, runId, jobs, jobId,
          options.getJobName(), how);
      execution.reportedBatch = lastCommitted;
      Thread driver = new Thread(execution::drive, "query-" + spec.name());
      driver.setDaemon(true);
      driver.start();
      return execution;
    } catch (IOException | RuntimeException e) {
      if (location != null) {
        location.close();
      }
      throw e;
    }
  }

  private static RestartDecision decide(CheckpointLocation location, DataflowJobs jobs, long lastCommitted)
      throws IOException {
    Optional<RunInfo> lastRun = location.runs().latest();
    Optional<JobState> lastJob = Optional.empty();
    if (lastRun.isPresent() && "DataflowRunner".equals(lastRun.get().runner()) && lastRun.get().runnerJobId() != null) {
      lastJob = jobs.get(lastRun.get().runnerJobId());
    }
    return RestartDecision.decide(location.uri(), lastRun, lastJob, new SnapshotLog(location.storage()).latest(),
        lastCommitted);
  }

  /**
   * A job continuing another's state finds it by step name: steps renamed since the last job are
   * mapped with {@code --transformNameMapping} (what the user passed wins), and the mapping is shown.
   */
  private static void mapRenamedSteps(QuerySpec spec, CheckpointLocation location, PipelineFingerprint steps,
      DataflowPipelineOptions options) throws IOException {
    Map<String, String> mapping = new LinkedHashMap<>(RenamedSteps.mapping(location.storage(), steps));
    if (mapping.isEmpty()) {
      return;
    }
    if (options.getTransformNameMapping() != null) {
      mapping.putAll(options.getTransformNameMapping());
    }
    options.setTransformNameMapping(mapping);
    LOG.warn("Query '{}': steps were renamed since the last Dataflow job; their state is carried over with"
        + " --transformNameMapping={}", spec.name(), toJson(mapping));
  }

  private static String toJson(Map<String, String> mapping) {
    try {
      return VersionedFormat.JSON.writeValueAsString(mapping);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return mapping.toString();
    }
  }

  /** Sets the options the decision calls for; returns how the job continues, for status and runs/. */
  private static String apply(RestartDecision decision, DataflowPipelineOptions options) throws IOException {
    return switch (decision.kind()) {
      case FRESH -> "";
      case UPDATE -> {
        options.setUpdate(true);
        Map<String, String> mapping = options.getTransformNameMapping();
        yield ", replacing running job " + decision.jobId() + " (--update"
            + (mapping == null || mapping.isEmpty() ? "" : ", --transformNameMapping=" + mapping) + ")";
      }
      case FROM_SNAPSHOT -> {
        options.setCreateFromSnapshot(decision.snapshotId());
        yield ", started from snapshot " + decision.snapshotId();
      }
      case REFUSE -> throw new IOException(decision.refusal());
    };
  }

  private void drive() {
    try {
      while (!stopDone.await(POLL_MS, TimeUnit.MILLISECONDS)) {
        try {
          reportCommits();
          Optional<JobState> job = jobs.get(jobId);
          if (job.isPresent() && job.get().isTerminal() && !stopRequested) {
            failure = new IOException("Dataflow job " + jobId + " ended outside the query: " + job.get().state()
                + ". Start the query again with the same options: it replaces a running job, or starts from the last"
                + " stop's snapshot, or says why it cannot.");
            break;
          }
        } catch (IOException e) {
          LOG.debug("Watching Dataflow job {}: {}", jobId, e.getMessage());
        }
      }
      reportCommits();
    } catch (Throwable t) {
      if (failure == null) {
        failure = t;
      }
    } finally {
      finish(List.of(), location);
    }
  }

  private void reportCommits() throws IOException {
    if (location != null) {
      reportedBatch = reportCommitted(location, reportedBatch, Map.of(), "in the Dataflow job");
    }
  }

  /**
   * Snapshots the job and records the snapshot in the location, then drains or cancels the job and
   * waits for it to end. If the snapshot fails, the job is left running, so the next start replaces
   * it and nothing is lost; the query's process ends either way.
   */
  @Override
  public void stop() {
    if (stopRequested) {
      awaitTerminated();
      return;
    }
    stopRequested = true;
    DataflowCheckpointOptions options = spec.pipeline().getOptions().as(DataflowCheckpointOptions.class);
    Duration wait = Duration.ofMinutes(options.getStopWaitMinutes());
    try {
      if (location != null) {
        String snapshot = jobs.snapshot(jobId, options.getSnapshotTtlDays() * 86_400L + "s",
            "query " + spec.name() + " stopped at batch " + reportedBatch, wait);
        new SnapshotLog(location.storage()).append(new SnapshotLog.Recorded(snapshot, jobId, jobName,
            System.currentTimeMillis(), options.getSnapshotTtlDays()));
        LOG.info("Query '{}': Dataflow job {} snapshotted as {}", spec.name(), jobId, snapshot);
      }
      String requested = "cancel".equalsIgnoreCase(options.getStopMode()) ? "JOB_STATE_CANCELLED" : "JOB_STATE_DRAINED";
      jobs.requestState(jobId, requested);
      JobState end = jobs.awaitTerminal(jobId, wait);
      if (!end.isTerminal()) {
        LOG.warn("Query '{}': Dataflow job {} is still {} after {} min; it ends on its own, and a start before that"
            + " replaces it", spec.name(), jobId, end.state(), wait.toMinutes());
      }
    } catch (IOException e) {
      LOG.error("Query '{}': stopping Dataflow job {}: {}. The job was left running: the next start replaces it"
          + " (--update); stop it in the console if you meant to.", spec.name(), jobId, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stopDone.countDown();
      awaitTerminated();
    }
  }
}
