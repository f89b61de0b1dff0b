package dev.beamckpt.runners.dataflow;

import com.google.api.services.dataflow.Dataflow;
import com.google.api.services.dataflow.model.Job;
import com.google.api.services.dataflow.model.ListJobsResponse;
import com.google.api.services.dataflow.model.Snapshot;
import com.google.api.services.dataflow.model.SnapshotJobRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Dataflow jobs API calls a query needs besides submitting (which is the DataflowRunner's):
 * look a job up, snapshot it, drain or cancel it, wait for it to end. Through Beam's own client
 * ({@code getDataflowClient()}), so {@code --dataflowEndpoint}, {@code --project},
 * {@code --region} and the credentials are the ones the runner uses.
 */
public final class DataflowJobs {
  private static final Logger LOG = LoggerFactory.getLogger(DataflowJobs.class);
  private static final long POLL_MS = 2000;

  private final Dataflow client;
  private final String project;
  private final String region;

  public DataflowJobs(DataflowPipelineOptions options) {
    this.client = options.getDataflowClient();
    this.project = options.getProject();
    this.region = options.getRegion();
  }

  /** A job as the query needs to see it. */
  public record JobState(String id, String name, String state) {
    /** Still running or about to: a restart replaces it with {@code --update}. */
    public boolean isRunning() {
      return "JOB_STATE_RUNNING".equals(state) || "JOB_STATE_PENDING".equals(state)
          || "JOB_STATE_QUEUED".equals(state);
    }

    /** Ended for good (done, drained, cancelled, failed, updated into another job). */
    public boolean isTerminal() {
      return switch (state == null ? "" : state) {
        case "JOB_STATE_DONE", "JOB_STATE_DRAINED", "JOB_STATE_CANCELLED", "JOB_STATE_FAILED", "JOB_STATE_UPDATED",
            "JOB_STATE_STOPPED" -> true;
        default -> false;
      };
    }
  }

  /** The job, or empty if Dataflow does not know it (deleted, or another project or region). */
  public Optional<JobState> get(String jobId) throws IOException {
    try {
      return Optional.of(state(client.projects().locations().jobs().get(project, region, jobId).execute()));
    } catch (com.google.api.client.googleapis.json.GoogleJsonResponseException e) {
      if (e.getStatusCode() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** The running job with this name (Dataflow allows one), as {@code --update} finds it. */
  public Optional<JobState> runningNamed(String name) throws IOException {
    String token = null;
    do {
      ListJobsResponse page = client.projects().locations().jobs().list(project, region).setPageToken(token).execute();
      if (page.getJobs() != null) {
        for (Job job : page.getJobs()) {
          JobState s = state(job);
          if (name.equals(s.name()) && s.isRunning()) {
            return Optional.of(s);
          }
        }
      }
      token = page.getNextPageToken();
    } while (token != null);
    return Optional.empty();
  }

  /**
   * Snapshots the job's state and waits until the snapshot is ready; returns its id.
   *
   * @param ttl how long Dataflow keeps it, e.g. "604800s"
   */
  public String snapshot(String jobId, String ttl, String description, Duration timeout)
      throws IOException, InterruptedException {
    Snapshot snapshot = client.projects().locations().jobs().snapshot(project, region, jobId,
        new SnapshotJobRequest().setTtl(ttl).setLocation(region).setDescription(description)).execute();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!"READY".equals(snapshot.getState())) {
      if ("FAILED".equals(snapshot.getState()) || "DELETED".equals(snapshot.getState())) {
        throw new IOException("Dataflow snapshot " + snapshot.getId() + " of job " + jobId + " is " + snapshot.getState());
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("Dataflow snapshot " + snapshot.getId() + " of job " + jobId + " is still "
            + snapshot.getState() + " after " + timeout.toSeconds() + " s");
      }
      Thread.sleep(POLL_MS);
      snapshot = client.projects().locations().snapshots().get(project, region, snapshot.getId()).execute();
    }
    return snapshot.getId();
  }

  /** Asks the job to drain (finish what it read, stop reading) or be cancelled. */
  public void requestState(String jobId, String requestedState) throws IOException {
    client.projects().locations().jobs().update(project, region, jobId, new Job().setRequestedState(requestedState))
        .execute();
    LOG.info("Dataflow job {}: requested {}", jobId, requestedState);
  }

  /** Waits for the job to end; returns its last state (not terminal if the wait ran out). */
  public JobState awaitTerminal(String jobId, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JobState s = get(jobId).orElseThrow(() -> new IOException("Dataflow no longer knows job " + jobId));
      if (s.isTerminal() || System.nanoTime() > deadline) {
        return s;
      }
      Thread.sleep(POLL_MS);
    }
  }

  private static JobState state(Job job) {
    return new JobState(job.getId(), job.getName(), job.getCurrentState());
  }

  public String project() {
    return project;
  }

  public String region() {
    return region;
  }
}
