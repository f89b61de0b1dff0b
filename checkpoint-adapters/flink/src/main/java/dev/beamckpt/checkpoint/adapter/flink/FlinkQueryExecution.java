package dev.beamckpt.checkpoint.adapter.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.combine.CombinerLifting;
import dev.beamckpt.checkpoint.combine.RunningState;
import dev.beamckpt.checkpoint.execution.AbstractQueryExecution;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import dev.beamckpt.checkpoint.execution.QueryStatus;
import dev.beamckpt.checkpoint.log.RunInfo;
import dev.beamckpt.checkpoint.source.FinalizedOffsets;
import dev.beamckpt.checkpoint.source.LoggedSource;
import dev.beamckpt.checkpoint.source.LoggedSources;
import dev.beamckpt.checkpoint.source.SourceChannel;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import dev.beamckpt.runners.flink.FlinkRest;
import dev.beamckpt.runners.flink.PrestartedMiniCluster;
import java.io.IOException;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A query running as a Flink job. The job thread submits the pipeline (in-process it runs there
 * until the job ends); the driver thread finds the job through Flink's REST API, records the run
 * with the job id and its restore point, and turns the batches the job commits into progress.
 * {@link #stop()} stops the job with a savepoint in {@code state/savepoints}, so nothing is lost;
 * if that fails, it cancels, and the retained checkpoints remain to resume from.
 */
final class FlinkQueryExecution extends AbstractQueryExecution {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkQueryExecution.class);
  private static final long POLL_MS = 300;
  private static final Duration SAVEPOINT_TIMEOUT = Duration.ofMinutes(2);
  /** How long a stop waits for a job still being submitted to appear before abandoning its submission. */
  private static final long SUBMISSION_WAIT_MS = 30_000;
  /** How long a stop waits for a stopped or cancelled job to end before giving up on it. */
  private static final long JOB_END_WAIT_MS = 30_000;
  /** How long an ended job's in-process cluster may take to shut down (part of the wait above). */
  private static final Duration CLUSTER_CLOSE_WAIT = Duration.ofSeconds(15);

  private final CheckpointLocation location;
  private final String stateUri;
  private final FlinkRestorePoint restore;
  private final FlinkJobSettings job;
  /** In-process with {@code [auto]}: the cluster starting while the job is translated (null otherwise). */
  private PrestartedMiniCluster prestarted;
  private final FlinkRest rest;
  private final CountDownLatch jobEnded = new CountDownLatch(1);
  private final Object lock = new Object();

  private volatile String jobId;
  private volatile boolean stopRequested;
  /** The stop gave up waiting for the job (still being submitted, or not ending): the driver ends anyway. */
  private volatile boolean abandoned;
  /** In-process, the driver owns the sources' receivers so a stop drains them before the JVM exits. */
  private final List<SourceChannel> channels = new ArrayList<>();
  private final Map<String, SourceChannel> channelsById = new LinkedHashMap<>();
  private long reportedBatch;
  /** availableNow: when a completed checkpoint was first seen to cover all the input (0: not yet). */
  private long coveredSinceMs;
  /** availableNow stops once every source has ended or been quiet this long. */
  private static final long AVAILABLE_NOW_QUIET_MS = 2000;
  private JsonNode lastCheckpoint = MissingNode.getInstance();
  /** The status says the JobManager does not answer (a cluster's JobManager down or restarting). */
  private boolean jobManagerSilent;

  private FlinkQueryExecution(QuerySpec spec, CheckpointLocation location, String stateUri, FlinkRestorePoint restore,
      String runId, FlinkJobSettings job) {
    super(spec, location, runId, new QueryStatus("Submitting the Flink job", false, false));
    this.location = location;
    this.stateUri = stateUri;
    this.restore = restore;
    this.job = job;
    this.rest = new FlinkRest(job.restAddress());
  }

  static FlinkQueryExecution start(QuerySpec spec) throws IOException {
    String runId = UUID.randomUUID().toString();
    FlinkJobSettings.stateBackend(spec.pipeline().getOptions().as(FlinkPipelineOptions.class)); // refused before the location is touched
    CheckpointLocation location = spec.openLocation(); // a location of another pipeline is the first error to report
    try {
      FlinkJobSettings.refuseEventTimeWindowsWithoutBarrierWatermarks(spec);
      String stateUri = null;
      if (location != null) {
        FlinkJobSettings.requireClusterReachesState(spec, location);
        stateUri = FlinkState.uri(location.storage());
        FlinkJobSettings.refuseStateWithoutFileSystem(stateUri, location.uri());
        stopPreviousRun(spec, location, stateUri);
      }
      FlinkRestorePoint restore = stateUri != null ? FlinkRestorePoint.latest(stateUri).orElse(null) : null;
      boolean lift = spec.pipeline().getOptions().as(FlinkCheckpointOptions.class).getLiftCombiners();
      RunningState seed = location != null && restore == null ? DirectStateHandover.seed(spec, location, lift)
          : RunningState.none();
      if (lift) {
        CombinerLifting.apply(spec.pipeline(), seed); // after openLocation took the query's fingerprint
      }
      FlinkJobSettings job = FlinkJobSettings.apply(spec, stateUri, restore, runId);
      if (spec.trigger().isAvailableNow() && !job.local()) {
        throw new IllegalArgumentException("Query '" + spec.name() + "': --trigger=availableNow on Flink runs in-process"
            + " only (the query watches its sources' receivers, which on a cluster live in the TaskManagers). Leave"
            + " --flinkMaster out, or use a processing-time trigger, e.g. --trigger=\"10 seconds\".");
      }
      FlinkQueryExecution execution = new FlinkQueryExecution(spec, location, stateUri, restore, runId, job);
      execution.reportedBatch = location != null ? location.commits().latestBatchId().orElse(0L) : 0;
      if (execution.reportedBatch > 0) {
        execution.progress.advance(location.offsets().get(execution.reportedBatch).orElse(null));
      }
      try {
        FlinkPipelineOptions flink = spec.pipeline().getOptions().as(FlinkPipelineOptions.class);
        if (job.local() && "[auto]".equals(flink.getFlinkMaster())) {
          execution.prestarted = PrestartedMiniCluster.start(flink.getFlinkConfDir(), flink.getParallelism());
        }
        if (job.local()) {
          Map<String, SourceChannel> byId = new LinkedHashMap<>();
          for (LoggedSource source : LoggedSources.in(spec.pipeline())) {
            SourceChannel channel = source.open(spec.pipeline().getOptions());
            execution.channels.add(channel);
            execution.channelsById.put(source.sourceId(), channel);
            byId.put(source.sourceId(), channel);
          }
          execution.progress.channels(byId);
        }
      } catch (IOException | RuntimeException e) {
        closeQuietly(execution.channels);
        if (execution.prestarted != null) {
          execution.prestarted.closeIfUnused();
        }
        throw e;
      }
      execution.launch();
      return execution;
    } catch (IOException | RuntimeException e) {
      if (location != null) {
        location.close();
      }
      throw e;
    }
  }

  /** On a cluster, the job of the location's previous run if it still runs there (see {@link ActiveRunStop}). */
  private static void stopPreviousRun(QuerySpec spec, CheckpointLocation location, String stateUri) throws IOException {
    Optional<String> cluster = FlinkJobSettings.clusterAddress(spec.pipeline().getOptions().as(FlinkPipelineOptions.class));
    if (cluster.isEmpty()) {
      return;
    }
    try {
      ActiveRunStop.stopIfActive(spec.name(), location, new FlinkRest(cluster.get()), stateUri).ifPresent(LOG::warn);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while stopping the previous run's Flink job", e);
    }
  }

  private void launch() {
    LOG.info("Query '{}': submitting its Flink job to {}{}", spec.name(), job.local() ? "Flink in this process" : rest.baseUrl(),
        restore == null ? "" : ", to restore " + restore.name());
    Thread jobThread = new Thread(() -> {
      try {
        if (prestarted != null) {
          prestarted.useForThisThreadsJob();
        }
        spec.pipeline().run().waitUntilFinish();
      } catch (Throwable t) {
        if (!stopRequested) {
          failure = explain(t); // reported by whoever awaits the query (QueryMain prints it)
          LOG.debug("Flink job of query '{}' failed", spec.name(), t);
        }
      } finally {
        if (prestarted != null) {
          try {
            prestarted.awaitClosed(CLUSTER_CLOSE_WAIT);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        jobEnded.countDown();
      }
    }, "flink-job-" + spec.name());
    jobThread.setDaemon(true);
    jobThread.start();
    Thread driver = new Thread(this::drive, "query-" + spec.name());
    driver.setDaemon(true);
    driver.start();
  }

  /**
   * A job that ended on a cluster without the query stopping it: cancelled from Flink's web UI or
   * REST API, or lost with a JobManager that died (without high availability a JobManager's jobs die
   * with it). Says which, and how to resume.
   */
  private Throwable explain(Throwable t) {
    if (jobId != null && !job.local()) {
      String resume = "Its last completed checkpoint stays in " + (location != null ? location.uri() + "/state" : "no location")
          + "; start the query again with the same options to resume from it";
      String state;
      try {
        state = rest.get("/jobs/" + jobId).path("state").asText();
      } catch (IOException e) {
        LOG.debug("Asking Flink why job {} ended: {}", jobId, e.getMessage());
        return lost(jobId, rest.baseUrl(), e, resume, t);
      }
      if ("CANCELED".equals(state)) {
        return new IOException("Flink job " + jobId + " was cancelled outside the query (web UI or REST API). " + resume
            + ".", t);
      }
    }
    return t;
  }

  /**
   * A job the JobManager could not tell about: it answered 404 (it restarted and forgot the job) or
   * not at all (it is down).
   */
  static IOException lost(String jobId, String jobManager, IOException whyUnknown, String resume, Throwable cause) {
    boolean forgotten = whyUnknown instanceof FlinkRest.StatusException s && s.status() == 404;
    return new IOException("Flink job " + jobId + " was lost: the JobManager at " + jobManager
        + (forgotten ? " no longer knows it (it restarted without high availability)" : " cannot be reached (it is"
            + " down: without high availability its jobs die with it; with it they come back with it, and the next"
            + " start of the query stops the job with a savepoint and resumes from that)") + ". " + resume
        + (forgotten ? "." : " once the cluster is back."), cause);
  }

  private void drive() {
    try {
      while (!jobEnded.await(POLL_MS, TimeUnit.MILLISECONDS) && !abandoned) {
        try {
          if (jobId == null) {
            findJob();
          } else {
            watchCheckpoints();
          }
          reportCommits();
          if (spec.trigger().isAvailableNow() && availableInputDone()) {
            LOG.info("Query '{}': every record available at the start is in a completed checkpoint and its batch"
                + " delivered; stopping (availableNow)", spec.name());
            endJob(); // not stop(): that waits for this thread to finish
          }
        } catch (IOException e) {
          LOG.debug("Watching Flink job of query '{}': {}", spec.name(), e.getMessage());
          if (jobId != null && !job.local() && !(e instanceof FlinkRest.StatusException) && !jobManagerSilent) {
            jobManagerSilent = true; // watchCheckpoints() sets the status again once it answers
            status = new QueryStatus("Flink job " + jobId + ": the JobManager at " + rest.baseUrl() + " does not answer"
                + " since " + LocalTime.now().withNano(0) + "; waiting for it (with high availability it brings the job"
                + " back)", false, false);
          }
        }
      }
      reportCommits();
    } catch (Throwable t) {
      if (failure == null) {
        failure = t;
        LOG.error("Driver of query '{}' failed: {}", spec.name(), t.toString(), t);
      }
    } finally {
      finish(channels, location);
    }
  }

  private void findJob() throws IOException {
    Optional<String> found = rest.runningJobNamed(job.jobName());
    if (found.isEmpty()) {
      return;
    }
    synchronized (lock) {
      jobId = found.get();
      lock.notifyAll();
    }
    String restored = restore == null ? null : restore.name();
    if (location != null) {
      location.runs().append(new RunInfo(runId(), "FlinkRunner", System.currentTimeMillis(), LocalStorage.processDescription(),
          reportedBatch > 0 ? reportedBatch : -1, restored, jobId));
    }
    LOG.info("Query '{}' runs as Flink job {} ({}){}", spec.name(), jobId, rest.baseUrl(),
        restored == null ? "" : ", restored from " + restored);
    status = new QueryStatus("Running as Flink job " + jobId + (restored == null ? "" : ", restored from " + restored), true, false);
  }

  private void watchCheckpoints() throws IOException {
    JsonNode checkpoints = rest.checkpoints(jobId);
    jobManagerSilent = false;
    lastCheckpoint = checkpoints.path("latest").path("completed");
    status = new QueryStatus("Running as Flink job " + jobId + ": "
        + checkpoints.path("counts").path("completed").asLong() + " checkpoints completed"
        + (lastCheckpoint.isObject() ? ", latest " + lastCheckpoint.path("id").asLong() + " ("
            + lastCheckpoint.path("end_to_end_duration").asLong() + " ms, " + lastCheckpoint.path("state_size").asLong()
            + " bytes)" : ""), true, false);
  }

  /**
   * availableNow: the sources have ended or gone quiet, a completed checkpoint holds every record
   * they received (its reader's mark, finalized into the location, is at their end), and a
   * checkpoint interval more passed for the batch that checkpoint released to be written. Every
   * step finishes its bundle before the barrier, so what the source read before a checkpoint is in
   * that checkpoint's batch. Then the query stops with a savepoint, as after Ctrl+C.
   */
  private boolean availableInputDone() throws IOException {
    if (jobId == null || stopRequested || location == null) {
      coveredSinceMs = 0;
      return false;
    }
    for (SourceChannel channel : channels) {
      if (!channel.endOfInput() && channel.quietMillis() < AVAILABLE_NOW_QUIET_MS) {
        coveredSinceMs = 0;
        return false;
      }
    }
    for (Map.Entry<String, SourceChannel> channel : channelsById.entrySet()) {
      long end = channel.getValue().snapshot().endOffset();
      if (FinalizedOffsets.get(location.storage(), channel.getKey()).orElse(-1) < end) {
        coveredSinceMs = 0;
        return false;
      }
    }
    long now = System.currentTimeMillis();
    if (coveredSinceMs == 0) {
      coveredSinceMs = now;
    }
    return now - coveredSinceMs >= 2 * spec.trigger().runnerInterval().toMillis();
  }

  /** Turns the batches the job committed since the last look into progress. */
  private void reportCommits() throws IOException {
    if (location == null) {
      return;
    }
    Map<String, Long> durations = lastCheckpoint.has("end_to_end_duration")
        ? Map.of("checkpoint", lastCheckpoint.path("end_to_end_duration").asLong()) : Map.of();
    reportedBatch = reportCommitted(location, reportedBatch, durations, "in the Flink job");
  }

  /**
   * Stops the job at whatever moment of its life: a running job with a savepoint, a job still
   * deploying or restoring by cancelling it (its restore point stays the newest), a submission that
   * never produces a job by abandoning it. Returns within bounded time.
   */
  @Override
  public void stop() {
    endJob();
    awaitTerminated();
  }

  /** Stops the job, once, and waits a bounded time for it to end; the driver then finishes. */
  private void endJob() {
    if (!stopRequested) {
      stopRequested = true;
      try {
        stopJob();
        if (!jobEnded.await(JOB_END_WAIT_MS, TimeUnit.MILLISECONDS)) {
          LOG.warn("Query '{}': the Flink job did not end within {} s of the stop; leaving it", spec.name(),
              JOB_END_WAIT_MS / 1000);
          abandoned = true;
        }
      } catch (IOException e) {
        LOG.warn("Stopping the Flink job of query '{}': {}", spec.name(), e.getMessage());
        abandoned = true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abandoned = true;
      }
    }
  }

  private void stopJob() throws IOException, InterruptedException {
    String id = awaitActiveJob();
    if (id == null) {
      if (jobEnded.getCount() > 0) {
        LOG.warn("Query '{}': stopped before its Flink job was submitted; abandoning the submission (the next start"
            + " resumes from the same point)", spec.name());
        abandoned = true;
      }
      return;
    }
    String resumeFrom = restore == null ? "the start" : restore.name();
    if (location == null || !rest.allTasksRunning(id)) {
      rest.cancel(id);
      LOG.info("Query '{}': stopped while Flink job {} was starting; cancelled it (the next start resumes from {})",
          spec.name(), id, resumeFrom);
      return;
    }
    String target = stateUri + "/" + FlinkRestorePoint.SAVEPOINTS;
    String savepoint;
    try {
      savepoint = rest.stopWithSavepoint(id, target, SAVEPOINT_TIMEOUT);
    } catch (IOException e) {
      LOG.warn("Query '{}': {}; cancelled the job instead, its last completed checkpoint stays in {}", spec.name(),
          e.getMessage(), location.uri());
      rest.cancel(id);
      return;
    }
    LOG.info("Query '{}' stopped with savepoint {}", spec.name(), savepoint);
    try {
      FlinkRestorePoint.pruneKeepingNewest(stateUri,
          spec.pipeline().getOptions().as(FlinkCheckpointOptions.class).getRetainedCheckpoints());
    } catch (IOException e) {
      // The savepoint is taken and the job ended: older restore points stay until the next prune.
      LOG.warn("Query '{}': removing restore points older than savepoint {}: {}", spec.name(), savepoint,
          e.getMessage());
    }
  }

  /** The job once Flink knows it (any state short of ended), or null if none appears in time. */
  private String awaitActiveJob() throws InterruptedException {
    long deadline = System.currentTimeMillis() + SUBMISSION_WAIT_MS;
    while (jobEnded.getCount() > 0 && System.currentTimeMillis() < deadline) {
      String id = jobId;
      if (id != null) {
        return id;
      }
      try {
        Optional<String> active = rest.activeJobNamed(job.jobName());
        if (active.isPresent()) {
          return active.get();
        }
      } catch (IOException e) {
        LOG.debug("Looking for the Flink job of query '{}': {}", spec.name(), e.getMessage());
      }
      synchronized (lock) {
        lock.wait(POLL_MS);
      }
    }
    return jobId;
  }
}
