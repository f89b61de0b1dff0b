package dev.beamckpt.checkpoint.storage.s3;

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
 * A real moto S3 server process ({@code python3 -m moto.server}, from PyPI's {@code moto[server]},
 * installed by {@code .ci/run}) on a free loopback port: the S3 emulator of the tests. It keeps
 * objects in memory. Any access key is accepted; {@link #useTestCredentials} sets one for this JVM.
 *
 * <p>What it checks, measured with moto 5.2: {@code If-None-Match: *} and {@code If-Match} on
 * PutObject (412), ListObjectsV2 paging. Its conditional writes are not atomic under concurrent
 * requests, so the concurrent-creators contract check is the one the emulator cannot prove.
 */
public final class MotoServer implements AutoCloseable {
  public static final String VERSION = "5.2.5";
  /** Credentials for the emulator: system properties the AWS SDK's default chain reads. */
  public static final List<String> JVM_CREDENTIALS = List.of("-Daws.accessKeyId=test", "-Daws.secretAccessKey=test");
  private final int port;
  private final Path log;
  private final boolean authenticate;
  private Process process;

  private MotoServer(int port, Path log, boolean authenticate) {
    this.port = port;
    this.log = log;
    this.authenticate = authenticate;
  }

  public static MotoServer start(Path dir) throws IOException {
    return start(dir, false);
  }

  /**
   * @param authenticate check access keys as S3 does (moto's INITIAL_NO_AUTH_ACTION_COUNT=0): keys
   *     its IAM does not know are refused with 403 InvalidAccessKeyId
   */
  public static MotoServer start(Path dir, boolean authenticate) throws IOException {
    Files.createDirectories(dir);
    MotoServer server = new MotoServer(freePort(), dir.resolve("moto.log"), authenticate);
    server.start();
    return server;
  }

  /** What the query JVMs get through {@link #JVM_CREDENTIALS}, for this JVM. */
  public static void useTestCredentials() {
    System.setProperty("aws.accessKeyId", "test");
    System.setProperty("aws.secretAccessKey", "test");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void start() throws IOException {
    ProcessBuilder pb = new ProcessBuilder(List.of("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p",
        String.valueOf(port))).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    if (authenticate) {
      pb.environment().put("INITIAL_NO_AUTH_ACTION_COUNT", "0");
    }
    process = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        if (request("GET", "/") > 0) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("The S3 emulator (moto) did not start: " + Files.readString(log).strip()
            + "\nRun .ci/run, which installs it, or: python3 -m pip install 'moto[server]==" + VERSION + "'");
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("moto did not answer on port " + port + " within 60 s (see " + log + ")");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
  }

  /** The endpoint for {@code --s3Endpoint} or {@code AWS_ENDPOINT_URL}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public void createBucket(String name) throws IOException {
    int status = request("PUT", "/" + name);
    if (status != 200) {
      throw new IOException("creating bucket " + name + " answered HTTP " + status);
    }
  }

  private int request(String method, String path) throws IOException {
    HttpRequest r = HttpRequest.newBuilder(URI.create(endpoint() + path)).timeout(Duration.ofSeconds(5))
        .method(method, HttpRequest.BodyPublishers.noBody()).build();
    try {
      return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
