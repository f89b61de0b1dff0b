package dev.beamckpt.runners.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/** The few calls of Flink's REST API a query's driver makes: find its job, watch checkpoints, stop it. */
public final class FlinkRest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String baseUrl;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** @param address host:port of the JobManager's REST endpoint */
  public FlinkRest(String address) {
    this.baseUrl = address.startsWith("http") ? address : "http://" + address;
  }

  public String baseUrl() {
    return baseUrl;
  }

  public JsonNode get(String path) throws IOException {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET());
  }

  /**
   * The id of the newest running job called {@code name}. (Before it runs, Flink answers questions
   * about its checkpoints with an error it also logs.)
   */
  public Optional<String> runningJobNamed(String name) throws IOException {
    return newestJobNamed(name, "RUNNING"::equals);
  }

  /** The id of the newest job called {@code name} that has not ended: created, initializing, running, restarting. */
  public Optional<String> activeJobNamed(String name) throws IOException {
    return newestJobNamed(name, state -> !TERMINAL.contains(state));
  }

  /** The ids of every job that has not ended. */
  public List<String> activeJobs() throws IOException {
    List<String> ids = new ArrayList<>();
    for (JsonNode job : get("/jobs/overview").path("jobs")) {
      if (!TERMINAL.contains(job.path("state").asText())) {
        ids.add(job.path("jid").asText());
      }
    }
    return ids;
  }

  private static final Set<String> TERMINAL = Set.of("FINISHED", "CANCELED", "FAILED", "SUSPENDED");

  private Optional<String> newestJobNamed(String name, Predicate<String> state) throws IOException {
    JsonNode best = null;
    for (JsonNode job : get("/jobs/overview").path("jobs")) {
      if (state.test(job.path("state").asText()) && name.equals(job.path("name").asText())
          && (best == null || job.path("start-time").asLong() > best.path("start-time").asLong())) {
        best = job;
      }
    }
    return Optional.ofNullable(best).map(j -> j.path("jid").asText());
  }

  /**
   * How the job ended ({@code SUCCEEDED}, {@code CANCELED}, {@code FAILED}, as Flink's job result
   * says), or empty while it runs. Asked where Flink caches nothing: {@code /jobs/<id>} answers from
   * a cache of up to {@code web.refresh-interval} (3 s), so a job that ended a moment ago, stopped
   * with a savepoint by the query that was just Ctrl+C'ed, can still read RUNNING there.
   */
  public Optional<String> endedAs(String jobId) throws IOException {
    JsonNode result = get("/jobs/" + jobId + "/execution-result");
    if (!"COMPLETED".equals(result.path("status").path("id").asText())) {
      return Optional.empty();
    }
    return Optional.of(result.path("job-execution-result").path("application-status").asText("UNKNOWN"));
  }

  /** Whether the job runs with every task running: what a savepoint needs. */
  public boolean allTasksRunning(String jobId) throws IOException {
    JsonNode job = get("/jobs/" + jobId);
    if (!"RUNNING".equals(job.path("state").asText())) {
      return false;
    }
    for (JsonNode vertex : job.path("vertices")) {
      if (!"RUNNING".equals(vertex.path("status").asText())) {
        return false;
      }
    }
    return true;
  }

  /** The cluster's configuration as its JobManager reports it (secrets masked). */
  public Map<String, String> configuration() throws IOException {
    Map<String, String> conf = new java.util.LinkedHashMap<>();
    get("/jobmanager/config").forEach(entry -> conf.put(entry.path("key").asText(), entry.path("value").asText()));
    return conf;
  }

  public JsonNode checkpoints(String jobId) throws IOException {
    return get("/jobs/" + jobId + "/checkpoints");
  }

  /** Stops the job with a savepoint in {@code targetDirectory}; returns the savepoint's path. */
  public String stopWithSavepoint(String jobId, String targetDirectory, Duration timeout) throws IOException, InterruptedException {
    String body = JSON.writeValueAsString(Map.of("targetDirectory", targetDirectory, "drain", false));
    JsonNode trigger = send(HttpRequest.newBuilder(URI.create(baseUrl + "/jobs/" + jobId + "/stop"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    String requestId = trigger.path("request-id").asText();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode status = get("/jobs/" + jobId + "/savepoints/" + requestId);
      if ("COMPLETED".equals(status.path("status").path("id").asText())) {
        JsonNode op = status.path("operation");
        if (op.has("failure-cause")) {
          throw new IOException("Flink could not stop job " + jobId + " with a savepoint: "
              + op.path("failure-cause").path("stack-trace").asText().lines().findFirst().orElse("unknown cause"));
        }
        return op.path("location").asText();
      }
      Thread.sleep(200);
    }
    throw new IOException("Flink did not finish the savepoint of job " + jobId + " within " + timeout.toSeconds() + " s");
  }

  /** Cancels the job; its retained checkpoints stay. */
  public void cancel(String jobId) throws IOException {
    send(HttpRequest.newBuilder(URI.create(baseUrl + "/jobs/" + jobId + "?mode=cancel"))
        .method("PATCH", HttpRequest.BodyPublishers.noBody()));
  }

  private JsonNode send(HttpRequest.Builder request) throws IOException {
    try {
      HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 300) {
        throw new StatusException(response.statusCode(), "Flink REST " + response.request().method() + " "
            + response.request().uri() + ": HTTP " + response.statusCode() + " " + response.body());
      }
      return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while calling Flink's REST API at " + baseUrl, e);
    }
  }

  /** The JobManager answered with an error status: 404 means it does not know the job (or path) asked about. */
  public static final class StatusException extends IOException {
    private final int status;

    StatusException(int status, String message) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }
}
