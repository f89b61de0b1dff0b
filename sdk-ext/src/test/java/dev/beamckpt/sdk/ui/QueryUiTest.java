package dev.beamckpt.sdk.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.io.socket.SocketIO;
import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.QueryWindowing;
import dev.beamckpt.sdk.StreamingQuery;
import dev.beamckpt.sdk.StreamingQueryManager;
import dev.beamckpt.sdk.StreamingQueryOptions;
import dev.beamckpt.sdk.WriteStream;
import dev.beamckpt.sdk.sink.MemorySink;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Count;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The monitoring page, its JSON and its Prometheus text, served for a real query on the DirectRunner. */
class QueryUiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  @TempDir Path tmp;

  @Test
  void servesThePageItsChartsLibraryTheProgressAndPrometheusMetrics() throws Exception {
    StreamingQueryManager manager = new StreamingQueryManager();
    try (LineServer server = LineServer.start(0)) {
      PipelineOptionsFactory.register(StreamingQueryOptions.class);
      StreamingQueryOptions options = PipelineOptionsFactory.fromArgs("--trigger=100 ms", "--uiPort=0",
          "--checkpointLocation=" + tmp.resolve("ckpt")).as(StreamingQueryOptions.class);
      Pipeline p = Pipeline.create(options);
      StreamingQuery query = WriteStream.of(p.apply(SocketIO.read().withHost("localhost").withPort(server.port()))
              .apply(QueryWindowing.global(OutputMode.COMPLETE)).apply(Count.perElement()))
          .columns("word", "count").queryName("ui \"counts\"").outputMode(OutputMode.COMPLETE)
          .sink(MemorySink.named("ui")).manager(manager).start();
      try {
        String base = manager.serveUi(0).url();
        server.sendAll(List.of("hello", "world", "hello"));
        long deadline = System.currentTimeMillis() + 60_000;
        while (query.lastProgress() == null || query.recentProgress().stream().mapToLong(q -> q.numInputRows()).sum() < 3) {
          assertTrue(System.currentTimeMillis() < deadline, "no batch within 60 s");
          Thread.sleep(20);
        }

        JsonNode queries = JSON.readTree(get(base + "api/v1/queries", 200));
        assertEquals(1, queries.size());
        JsonNode q = queries.get(0);
        assertEquals("ui \"counts\"", q.get("name").asText());
        assertTrue(q.get("isActive").asBoolean());
        assertTrue(q.get("checkpointBytes").asLong() > 0, q.toString());
        JsonNode last = q.get("recentProgress").get(q.get("recentProgress").size() - 1);
        assertTrue(last.get("batchId").asLong() >= 1 && last.has("durationMs"), last.toString());

        String metrics = get(base + "metrics", 200);
        String labels = "query=\"ui \\\"counts\\\"\",id=\"" + query.id() + "\"";
        assertTrue(metrics.contains("# TYPE beamckpt_query_batch_id gauge\n"), metrics);
        assertEquals(query.lastProgress().batchId(), sample(metrics, "beamckpt_query_batch_id{" + labels + "}"), metrics);
        assertEquals(2, sample(metrics, "beamckpt_query_state_rows{" + labels + ",operator=\"0\"}"), metrics);
        assertTrue(sample(metrics, "beamckpt_checkpoint_size_bytes{" + labels + "}") > 0, metrics);
        assertTrue(metrics.contains("beamckpt_query_duration_ms{" + labels + ",phase=\"walCommit\"}"), metrics);
        assertTrue(metrics.contains("beamckpt_checkpoint_write_latency_ms{" + labels + "}"), metrics);

        String page = get(base, 200);
        assertTrue(page.contains("<script src=\"/static/uPlot.iife.min.js\">"), page);
        assertTrue(get(base + "static/uPlot.iife.min.js", 200).contains("uPlot"), "the charts library comes from the jar");
        assertTrue(get(base + "static/uPlot.min.css", 200).contains(".uplot"));
        assertTrue(get(base + "nothing-here", 404).contains("try /"));

        IOException taken = assertThrows(IOException.class, () -> new StreamingQueryManager().serveUi(manager.serveUi(0).port()));
        assertTrue(taken.getMessage().contains("the port is in use"), taken.getMessage());

        query.stop(); // a stopped query stays on the page, inactive
        assertTrue(query.awaitTermination(30_000));
        assertEquals(false, JSON.readTree(get(base + "api/v1/queries", 200)).get(0).get("isActive").asBoolean());
        assertEquals(0, sample(get(base + "metrics", 200), "beamckpt_query_active{" + labels + "}"));
      } finally {
        query.stop();
        manager.serveUi(0).close();
      }
    }
  }

  private String get(String url, int expectedStatus) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(expectedStatus, r.statusCode(), url + ": " + r.body());
    return r.body();
  }

  private static long sample(String metrics, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\d+)$", Pattern.MULTILINE).matcher(metrics);
    assertTrue(m.find(), series + " in\n" + metrics);
    return Long.parseLong(m.group(1));
  }
}
