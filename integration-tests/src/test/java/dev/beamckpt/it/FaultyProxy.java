package dev.beamckpt.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * An HTTP proxy in front of a real storage emulator (fake-gcs-server, moto) that breaks it on
 * purpose for a while: answers chosen requests with an error status (503, 429, 412) instead of
 * forwarding them, or delays every request. The emulators cannot do this themselves; everything
 * not broken is forwarded to them unchanged, so the query talks to a real store throughout.
 */
final class FaultyProxy implements AutoCloseable {
  /** Headers the JDK client sets itself or refuses, and hop-by-hop ones. */
  private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection", "expect", "upgrade",
      "transfer-encoding", "keep-alive", "te", "trailer", "proxy-connection");

  /**
   * A request as the fault rules see it: method, path and query, and the body, unzipped (GCS
   * uploads name their object in a gzipped body, S3 in the path).
   */
  record Request(String method, String uri, String body) {
    /** Whether the path, URL-decoded, or the body mentions {@code text}, e.g. an object's name. */
    boolean mentions(String text) {
      return URLDecoder.decode(uri, StandardCharsets.UTF_8).contains(text) || body.contains(text);
    }
  }

  private record Fault(int status, long delayMs, Predicate<Request> applies, long untilNanos) {}

  private final HttpServer server;
  private final URI target;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
  private volatile Fault fault;
  private final AtomicLong forwarded = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong delayed = new AtomicLong();

  private FaultyProxy(HttpServer server, URI target) {
    this.server = server;
    this.target = target;
  }

  /** Starts a proxy on a free loopback port forwarding to {@code target} (e.g. http://127.0.0.1:4443). */
  static FaultyProxy start(String target) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    FaultyProxy proxy = new FaultyProxy(server, URI.create(target.replaceFirst("/*$", "")));
    server.createContext("/", proxy::handle);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "faulty-proxy");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return proxy;
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers the requests {@code applies} selects with {@code status} for {@code duration}. */
  void refuse(int status, Duration duration, Predicate<Request> applies) {
    fault = new Fault(status, 0, applies, System.nanoTime() + duration.toNanos());
  }

  /** Delays every request by {@code delay} for {@code duration}. */
  void slow(Duration delay, Duration duration) {
    fault = new Fault(0, delay.toMillis(), r -> true, System.nanoTime() + duration.toNanos());
  }

  /** Forwards everything again. */
  void heal() {
    fault = null;
  }

  long refused() {
    return refused.get();
  }

  long delayed() {
    return delayed.get();
  }

  long forwarded() {
    return forwarded.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      String uri = exchange.getRequestURI().toString();
      byte[] plain = body;
      if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
        try (InputStream unzipped = new GZIPInputStream(new ByteArrayInputStream(body))) {
          plain = unzipped.readAllBytes();
        }
      }
      Request request = new Request(exchange.getRequestMethod(), uri, new String(plain, StandardCharsets.ISO_8859_1));
      Fault f = fault;
      if (f != null && System.nanoTime() < f.untilNanos() && f.applies().test(request)) {
        if (f.status() != 0) {
          refused.incrementAndGet();
          byte[] error = ("{\"error\":{\"code\":" + f.status() + ",\"message\":\"injected by the test's proxy\"}}")
              .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(f.status(), error.length);
          exchange.getResponseBody().write(error);
          return;
        }
        delayed.incrementAndGet();
        Thread.sleep(f.delayMs());
      }
      forward(exchange, request, body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void forward(HttpExchange exchange, Request request, byte[] body) throws IOException, InterruptedException {
    HttpRequest.Builder out = HttpRequest.newBuilder(URI.create(target + request.uri()))
        .timeout(Duration.ofSeconds(60))
        .method(request.method(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
      if (!NOT_FORWARDED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        h.getValue().forEach(v -> out.header(h.getKey(), v));
      }
    }
    HttpResponse<byte[]> response = client.send(out.build(), HttpResponse.BodyHandlers.ofByteArray());
    forwarded.incrementAndGet();
    response.headers().map().forEach((name, values) -> {
      if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT)) && !name.equals(":status")) {
        values.forEach(v -> exchange.getResponseHeaders().add(name, v));
      }
    });
    byte[] data = response.body();
    boolean noBody = request.method().equals("HEAD") || response.statusCode() == 204 || response.statusCode() == 304;
    if (request.method().equals("HEAD")) { // the object's size, which a HEAD answers with
      response.headers().firstValue("content-length").ifPresent(v -> exchange.getResponseHeaders().set("Content-Length", v));
    }
    exchange.sendResponseHeaders(response.statusCode(), noBody ? -1 : data.length == 0 ? -1 : data.length);
    if (!noBody && data.length > 0) {
      try (OutputStream o = exchange.getResponseBody()) {
        o.write(data);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
