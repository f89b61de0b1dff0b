package dev.beamckpt.sdk.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.beamckpt.sdk.StreamingQuery;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitoring page of a process's streaming queries, what Spark's Structured Streaming tab
 * shows: rates, batch durations by phase, state rows, watermark, offsets, the last batches, charts
 * over time. Served on loopback by the JDK's HTTP server:
 *
 * <ul>
 *   <li>{@code /}: the page (it polls the JSON endpoint every second; charts by uPlot, from the jar)
 *   <li>{@code /api/v1/queries}: every query with its status and {@code recentProgress}
 *   <li>{@code /metrics}: the same figures in Prometheus' text format, with checkpoint size and
 *       write latency
 * </ul>
 */
public final class QueryUi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QueryUi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String UPLOT = "META-INF/resources/webjars/uplot/" + webjarVersion("uplot") + "/dist/";
  /** A file the page serves from the class path. */
  private record Resource(String path, String contentType) {}

  private static final Map<String, Resource> STATIC = Map.of(
      "/", new Resource("dev/beamckpt/sdk/ui/index.html", "text/html; charset=utf-8"),
      "/static/uPlot.iife.min.js", new Resource(UPLOT + "uPlot.iife.min.js", "text/javascript; charset=utf-8"),
      "/static/uPlot.min.css", new Resource(UPLOT + "uPlot.min.css", "text/css; charset=utf-8"));

  private final HttpServer server;
  private final Supplier<List<StreamingQuery>> queries;
  private final CheckpointSizes sizes = new CheckpointSizes();

  private QueryUi(HttpServer server, Supplier<List<StreamingQuery>> queries) {
    this.server = server;
    this.queries = queries;
  }

  /**
   * Serves the queries {@code queries} returns on {@code port} (0: a free one), on loopback.
   *
   * @throws IOException naming the port if it is taken
   */
  public static QueryUi start(int port, Supplier<List<StreamingQuery>> queries) throws IOException {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    } catch (java.net.BindException e) {
      throw new IOException("--uiPort=" + port + ": the port is in use (" + e.getMessage() + "). Give another port,"
          + " or --uiPort=0 for a free one.", e);
    }
    QueryUi ui = new QueryUi(server, queries);
    server.createContext("/", ui::handle);
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "query-ui");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return ui;
  }

  /** The version of the npm webjar on the class path, from the pom.properties it carries. */
  private static String webjarVersion(String artifact) {
    java.util.Properties p = new java.util.Properties();
    try (InputStream in = QueryUi.class.getClassLoader()
        .getResourceAsStream("META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      LOG.warn("Reading the version of webjar {}: {}", artifact, e.getMessage());
    }
    return p.getProperty("version", "unknown");
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url() {
    return "http://localhost:" + port() + "/";
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!"GET".equals(exchange.getRequestMethod())) {
        send(exchange, 405, "text/plain; charset=utf-8", "GET only\n".getBytes(StandardCharsets.UTF_8));
      } else if (path.equals("/api/v1/queries")) {
        send(exchange, 200, "application/json", JSON.writeValueAsBytes(queriesJson()));
      } else if (path.equals("/metrics")) {
        send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
            PrometheusText.of(queries.get(), sizes).getBytes(StandardCharsets.UTF_8));
      } else if (STATIC.containsKey(path)) {
        Resource resource = STATIC.get(path);
        try (InputStream in = QueryUi.class.getClassLoader().getResourceAsStream(resource.path())) {
          if (in == null) {
            throw new IOException(resource.path() + " is missing from the class path");
          }
          send(exchange, 200, resource.contentType(), in.readAllBytes());
        }
      } else {
        send(exchange, 404, "text/plain; charset=utf-8", ("No page " + path + ": try / , /api/v1/queries or"
            + " /metrics\n").getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Serving {}: {}", exchange.getRequestURI(), e.toString());
    }
  }

  private List<Map<String, Object>> queriesJson() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (StreamingQuery q : queries.get()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", q.id());
      m.put("runId", q.runId());
      m.put("name", q.name());
      m.put("isActive", q.isActive());
      m.put("status", q.status());
      m.put("exception", q.exception().map(Throwable::getMessage).orElse(null));
      m.put("checkpointLocation", q.checkpointLocation());
      m.put("checkpointBytes", sizes.of(q));
      m.put("recentProgress", q.recentProgress());
      out.add(m);
    }
    return out;
  }

  private static void send(HttpExchange exchange, int code, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(code, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
