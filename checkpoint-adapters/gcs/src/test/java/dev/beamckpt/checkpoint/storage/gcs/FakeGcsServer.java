package dev.beamckpt.checkpoint.storage.gcs;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real fake-gcs-server process (github.com/fsouza/fake-gcs-server, installed by {@code .ci/run}
 * with {@code go install}) on a free loopback port, keeping objects on disk so that it can be
 * stopped and started again with them: the GCS emulator of the tests.
 *
 * <p>What it does not check, measured against v1.56.1 (see {@code FakeGcsServerTest}): deletes
 * ignore generation preconditions, and there is no metageneration precondition. The storage does
 * not rely on either for correctness.
 */
public final class FakeGcsServer implements AutoCloseable {
  public static final String VERSION = "v1.56.1";
  private final Path binary;
  private final Path data;
  private final Path log;
  private final int port;
  private Process process;

  private FakeGcsServer(Path binary, Path data, int port) {
    this.binary = binary;
    this.data = data;
    this.log = data.resolveSibling(data.getFileName() + ".log");
    this.port = port;
  }

  /** Starts a server keeping its objects under {@code data}. */
  public static FakeGcsServer start(Path data) throws IOException {
    FakeGcsServer server = new FakeGcsServer(binary(), data, freePort());
    server.start();
    return server;
  }

  /** The binary: $FAKE_GCS_SERVER, else on the PATH, else where {@code go install} puts it. */
  static Path binary() {
    String configured = System.getenv("FAKE_GCS_SERVER");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "fake-gcs-server");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    String gopath = System.getenv().getOrDefault("GOPATH", System.getProperty("user.home") + "/go");
    Path installed = Path.of(gopath.split(File.pathSeparator)[0], "bin", "fake-gcs-server");
    if (Files.isExecutable(installed)) {
      return installed;
    }
    throw new IllegalStateException("The GCS emulator fake-gcs-server is not installed (looked at $FAKE_GCS_SERVER,"
        + " the PATH and " + installed + "). Run .ci/run, which installs it, or: go install"
        + " github.com/fsouza/fake-gcs-server@" + VERSION);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Starts (again) on the same port with the same objects; returns once it answers. */
  public synchronized void start() throws IOException {
    Files.createDirectories(data);
    process = new ProcessBuilder(List.of(binary.toString(), "-scheme", "http", "-host", "127.0.0.1",
        "-port", String.valueOf(port), "-backend", "filesystem", "-filesystem-root", data.toString(),
        "-public-host", "127.0.0.1:" + port, "-external-url", endpoint(), "-log-level", "warn"))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        if (request("GET", "/storage/v1/b", null) == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IOException("fake-gcs-server did not start on port " + port + " (see " + log + ")");
      }
      sleep(50);
    }
  }

  /** Stops the server as an outage does: connections are refused until {@link #start}. */
  public synchronized void stop() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      process = null;
    }
  }

  /** The endpoint for {@code --gcsEndpoint} or {@code STORAGE_EMULATOR_HOST}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public void createBucket(String name) throws IOException {
    int status = request("POST", "/storage/v1/b?project=test", "{\"name\":\"" + name + "\"}");
    if (status != 200) {
      throw new IOException("creating bucket " + name + " answered HTTP " + status);
    }
  }

  private int request(String method, String path, String json) throws IOException {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(endpoint() + path)).timeout(Duration.ofSeconds(5));
    r.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      r.header("Content-Type", "application/json");
    }
    try {
      return HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
