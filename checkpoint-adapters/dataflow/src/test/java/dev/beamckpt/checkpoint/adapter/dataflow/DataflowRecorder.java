package dev.beamckpt.checkpoint.adapter.dataflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * A recorder standing in for the Dataflow jobs API (v1b3), NOT Dataflow: it records every request
 * and answers the calls a query makes as the API's reference documents them (create, get, list,
 * update with requestedState, snapshot, snapshots.get), keeping jobs and snapshots in memory. What
 * real Dataflow does with a job (running it, the update's compatibility check, draining) is not
 * imitated beyond the states: a drained or cancelled job ends at once, a snapshot is READY at once.
 */
final class DataflowRecorder implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern JOBS = Pattern.compile("/v1b3/projects/([^/]+)/locations/([^/]+)/jobs");
  private static final Pattern JOB = Pattern.compile("/v1b3/projects/([^/]+)/locations/([^/]+)/jobs/([^/:]+)");
  private static final Pattern SNAPSHOT_JOB = Pattern.compile("/v1b3/projects/([^/]+)/locations/([^/]+)/jobs/([^/:]+):snapshot");
  private static final Pattern SNAPSHOT = Pattern.compile("/v1b3/projects/([^/]+)/locations/([^/]+)/snapshots/([^/]+)");

  /** One request as received: method, path (without the query) and JSON body (null if none). */
  record Request(String method, String path, JsonNode body) {
    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  private final HttpServer server;
  private final List<Request> requests = new ArrayList<>();
  private final Map<String, ObjectNode> jobs = new LinkedHashMap<>();
  private int nextJob = 1;
  private int nextSnapshot = 1;

  DataflowRecorder() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** For {@code --dataflowEndpoint}. */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  synchronized void clearRequests() {
    requests.clear();
  }

  /** Sets a job's state as Dataflow would on its own (a job failing, cancelled in the console). */
  synchronized void setState(String jobId, String state) {
    jobs.get(jobId).put("currentState", state);
  }

  /** The id of the job created last. */
  synchronized String lastJob() {
    return "job-" + (nextJob - 1);
  }

  /** The id of the snapshot taken last. */
  synchronized String lastSnapshot() {
    return "snapshot-" + (nextSnapshot - 1);
  }

  synchronized String state(String jobId) {
    return jobs.get(jobId).path("currentState").asText();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    JsonNode body = readBody(exchange);
    int status = 200;
    JsonNode reply;
    synchronized (this) {
      requests.add(new Request(method, path, body));
      Matcher m;
      if (method.equals("POST") && (m = SNAPSHOT_JOB.matcher(path)).matches()) {
        ObjectNode snapshot = JSON.createObjectNode().put("id", "snapshot-" + nextSnapshot++)
            .put("sourceJobId", m.group(3)).put("projectId", m.group(1)).put("region", m.group(2)).put("state", "READY")
            .put("ttl", body.path("ttl").asText());
        reply = snapshot;
      } else if (method.equals("GET") && (m = SNAPSHOT.matcher(path)).matches()) {
        reply = JSON.createObjectNode().put("id", m.group(3)).put("state", "READY");
      } else if (method.equals("POST") && JOBS.matcher(path).matches()) {
        ObjectNode job = ((ObjectNode) body).deepCopy();
        String id = "job-" + nextJob++;
        job.put("id", id).put("currentState", "JOB_STATE_RUNNING");
        if (job.has("replaceJobId")) {
          jobs.get(job.get("replaceJobId").asText()).put("currentState", "JOB_STATE_UPDATED");
        }
        jobs.put(id, job);
        reply = summary(job).put("clientRequestId", job.path("clientRequestId").asText());
      } else if (method.equals("GET") && JOBS.matcher(path).matches()) {
        ArrayNode list = JSON.createArrayNode();
        jobs.values().forEach(j -> list.add(summary(j)));
        ObjectNode page = JSON.createObjectNode();
        page.set("jobs", list);
        reply = page;
      } else if ((m = JOB.matcher(path)).matches() && jobs.containsKey(m.group(3))) {
        ObjectNode job = jobs.get(m.group(3));
        if (method.equals("PUT") && body.has("requestedState")) {
          job.put("currentState", body.get("requestedState").asText());
        }
        reply = summary(job);
      } else {
        status = 404;
        reply = JSON.createObjectNode().set("error", JSON.createObjectNode().put("code", 404)
            .put("message", "not found: " + method + " " + path).put("status", "NOT_FOUND"));
      }
    }
    byte[] bytes = JSON.writeValueAsBytes(reply);
    exchange.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private static ObjectNode summary(ObjectNode job) {
    return JSON.createObjectNode().put("id", job.path("id").asText()).put("name", job.path("name").asText())
        .put("currentState", job.path("currentState").asText()).put("type", job.path("type").asText());
  }

  /** The client sends bodies chunked and gzipped. */
  private static JsonNode readBody(HttpExchange exchange) throws IOException {
    InputStream in = exchange.getRequestBody();
    if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
      in = new GZIPInputStream(in);
    }
    byte[] bytes = in.readAllBytes();
    return bytes.length == 0 ? null : JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
