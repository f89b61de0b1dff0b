package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.Storages;
import dev.beamckpt.checkpoint.storage.gcs.FakeGcsServer;
import dev.beamckpt.checkpoint.storage.s3.MotoServer;
import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.io.socket.ZipfLines;
import dev.beamckpt.pipelines.WordCount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage faults on object-store locations, injected by {@link FaultyProxy} between the query and a
 * real emulator while lines flow: 503s, then 429s, then slow answers; a commit refused with 412;
 * and a query frozen (SIGSTOP) until another took its lease. Each time the query rides the fault
 * out or fails with a message naming the location, and after a restart the counts equal the counts
 * of every line in the receive log, none twice ({@link KillOracle}).
 */
class ObjectStoreFaultsTest {
  private static final int LINES_PER_SECOND = 400;
  private static final Duration FAULT = Duration.ofSeconds(6);
  @TempDir Path tmp;

  @Test
  void gcsAnswering503Then429ThenSlowly() throws Exception {
    try (FakeGcsServer gcs = FakeGcsServer.start(tmp.resolve("gcs"))) {
      gcs.createBucket("ckpt");
      try (FaultyProxy proxy = FaultyProxy.start(gcs.endpoint())) {
        rideOutFaults(proxy, "gs://ckpt/faults", List.of(), "--gcsEndpoint=" + gcs.endpoint(),
            "--gcsEndpoint=" + proxy.endpoint());
      }
    }
  }

  @Test
  void s3Answering503Then429ThenSlowly() throws Exception {
    MotoServer.useTestCredentials();
    try (MotoServer moto = MotoServer.start(tmp.resolve("moto"))) {
      moto.createBucket("ckpt");
      try (FaultyProxy proxy = FaultyProxy.start(moto.endpoint())) {
        rideOutFaults(proxy, "s3://ckpt/faults", MotoServer.JVM_CREDENTIALS, "--s3Endpoint=" + moto.endpoint(),
            "--s3Endpoint=" + proxy.endpoint());
      }
    }
  }

  /**
   * The store refuses the write of a batch's commit with 412 (a precondition failed: to the query
   * it looks as if another writer committed that batch). The query must not go on as if it had
   * committed; after a restart the batch runs again and counts exactly once.
   */
  @Test
  void aCommitRefusedWith412OnGcs() throws Exception {
    try (FakeGcsServer gcs = FakeGcsServer.start(tmp.resolve("gcs"))) {
      gcs.createBucket("ckpt");
      try (FaultyProxy proxy = FaultyProxy.start(gcs.endpoint())) {
        String location = "gs://ckpt/refused";
        Stream stream = new Stream(location, List.of(), "--gcsEndpoint=" + gcs.endpoint(), "--gcsEndpoint=" + proxy.endpoint());
        stream.start();
        stream.awaitCommits(2);
        proxy.refuse(412, Duration.ofSeconds(2), r -> r.method().equals("POST") && r.mentions("refused/commits/"));
        stream.awaitRefusedOrRiddenOut(proxy::refused, "a commit write");
        proxy.heal();
        stream.finish("412 on a commit", proxy);
      }
    }
  }

  /**
   * A query frozen with SIGSTOP longer than its lease: a second query takes the lease over. When
   * the first thaws (SIGCONT) it finds its lease lost, writes nothing more and exits naming the
   * new holder; the second goes on, and the counts are exact.
   */
  @Test
  void aFrozenQueryLosesItsLeaseAndWritesNothingMore() throws Exception {
    try (FakeGcsServer gcs = FakeGcsServer.start(tmp.resolve("gcs"))) {
      gcs.createBucket("ckpt");
      String location = "gs://ckpt/frozen";
      Stream stream = new Stream(location, List.of(), "--gcsEndpoint=" + gcs.endpoint(), "--gcsEndpoint=" + gcs.endpoint(),
          "--locationLeaseSeconds=3");
      stream.start();
      stream.awaitCommits(2);
      QueryProcess frozen = stream.query;
      frozen.signal("STOP");
      Thread.sleep(7_000); // over two lease timeouts: the lease has lapsed by the frozen holder's own clock
      QueryProcess successor = QueryProcess.start(stream.jvmArgs, null, WordCount.class, stream.args);
      successor.await("the successor to take the lease over", Duration.ofSeconds(60),
          () -> successor.stderr().contains("took over the lease of query 'wordcount', process " + frozen.pid() + "@"));
      frozen.signal("CONT");
      assertNotEquals(0, frozen.awaitExit(Duration.ofSeconds(60)), "the thawed query stops");
      assertTrue(frozen.stderr().contains("Error: ") && frozen.stderr().contains("lost its lease to query 'wordcount',"
          + " process " + successor.pid() + "@"), "the thawed query names the new holder:\n" + frozen.stderr());
      stream.query = successor;
      stream.finish("lease lost while frozen", null);
    }
  }

  /**
   * 503s for a while, then 429s, then 300 ms per request, with healthy spells between: each shorter
   * than the 30 s a store call retries for, so the query rides them out.
   */
  private void rideOutFaults(FaultyProxy proxy, String location, List<String> jvmArgs, String storeEndpoint,
      String proxyEndpoint) throws Exception {
    Stream stream = new Stream(location, jvmArgs, storeEndpoint, proxyEndpoint, "--receiveLogSyncMillis=200");
    stream.start();
    stream.awaitCommits(2);
    proxy.refuse(503, FAULT, r -> true);
    Thread.sleep(FAULT.toMillis() + 4_000);
    stream.assertRodeOut("503 for " + FAULT.toSeconds() + " s");
    proxy.refuse(429, FAULT, r -> true);
    Thread.sleep(FAULT.toMillis() + 4_000);
    stream.assertRodeOut("429 for " + FAULT.toSeconds() + " s");
    proxy.slow(Duration.ofMillis(300), FAULT);
    Thread.sleep(FAULT.toMillis() + 4_000);
    stream.assertRodeOut("300 ms per request for " + FAULT.toSeconds() + " s");
    stream.finish("503, 429 and slow answers", proxy);
  }

  /** A word count on {@code location} fed steadily by a line server, restarted if a fault stops it. */
  private final class Stream {
    final String location;
    final List<String> jvmArgs;
    final String[] args;
    final CheckpointStorage storage;
    final Path output = tmp.resolve("out");
    final List<String> lines = ZipfLines.generate(60 * LINES_PER_SECOND, 2_000, 1.1, 42);
    final List<String> outcomes = new ArrayList<>();
    LineServer server;
    PacedSender sender;
    QueryProcess query;

    /**
     * @param storeEndpoint the endpoint option the test reads the location with (the store itself)
     * @param endpoint the endpoint option the query uses (the proxy, or the store)
     */
    Stream(String location, List<String> jvmArgs, String storeEndpoint, String endpoint, String... queryArgs)
        throws Exception {
      this.location = location;
      this.jvmArgs = jvmArgs;
      this.storage = Storages.forLocation(location, PipelineOptionsFactory.fromArgs(storeEndpoint).create());
      server = LineServer.start(0);
      List<String> a = new ArrayList<>(List.of("--port=" + server.port(), "--checkpointLocation=" + location,
          "--trigger=500 ms", "--sink=files", "--output=" + output));
      a.add(endpoint);
      a.addAll(List.of(queryArgs));
      this.args = a.toArray(String[]::new);
    }

    void start() throws Exception {
      query = QueryProcess.start(jvmArgs, null, WordCount.class, args);
      sender = new PacedSender(server, lines, LINES_PER_SECOND);
      sender.start();
    }

    void awaitCommits(long n) throws Exception {
      query.await(n + " commits", Duration.ofSeconds(120), () -> Locations.latest(storage, "commits").orElse(0L) >= n);
    }

    /** Waits until the proxy refused a request, or the query committed twice more without one. */
    void awaitRefusedOrRiddenOut(java.util.function.LongSupplier refused, String what) throws Exception {
      long committed = Locations.latest(storage, "commits").orElse(0L);
      query.await(what + " to be refused", Duration.ofSeconds(60), () -> refused.getAsLong() > 0);
      // The query may still be failing when the fault ends: give it time to say so.
      query.await("the query to fail or commit again", Duration.ofSeconds(60),
          () -> !query.isAlive() || Locations.latest(storage, "commits").orElse(0L) > committed + 1);
      restartIfFailed(what + " refused");
    }

    /** A fault shorter than a store call's 30 s of retries: the query must still run. */
    void assertRodeOut(String fault) {
      assertTrue(query.isAlive(), "the store's retries must ride out " + fault + ":\n" + query.stderr());
      outcomes.add(fault + ": rode it out");
    }

    /** If the query stopped on a fault: it must have named the location and exited non-zero; start it again. */
    void restartIfFailed(String fault) throws Exception {
      if (query.isAlive()) {
        outcomes.add(fault + ": rode it out");
        return;
      }
      int code = query.awaitExit(Duration.ofSeconds(10));
      assertNotEquals(0, code, "a query that stops on a fault exits non-zero");
      String error = query.stderr().lines().filter(l -> l.startsWith("Error: ")).findFirst().orElse("");
      assertTrue(error.contains(location), "the error names the location:\n" + query.stderr());
      outcomes.add(fault + ": failed cleanly (" + error + "); restarted");
      assertTrue(server.awaitNoClient(10, TimeUnit.SECONDS), "the server saw the failed query leave");
      query = QueryProcess.start(jvmArgs, null, WordCount.class, args);
    }

    /** Stops sending, then the oracle; prints what happened. */
    void finish(String faults, FaultyProxy proxy) throws Exception {
      try {
        sender.stop();
        restartIfFailed("after the faults");
        long lost = KillOracle.finishAndCheck(server, lines, sender.sent(), storage, output, query);
        System.out.printf("[object store faults] %s on %s: %s; %d lines sent, %d lost in flight, 0 doubled, counts ="
            + " receive log%s%n", faults, location, outcomes, sender.sent(), lost,
            proxy == null ? "" : "; the proxy refused " + proxy.refused() + " and delayed " + proxy.delayed()
                + " requests, forwarded " + proxy.forwarded());
        assertTrue(Files.isDirectory(output));
      } finally {
        server.close();
      }
    }
  }
}
