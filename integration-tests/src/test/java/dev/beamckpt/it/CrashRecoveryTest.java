package dev.beamckpt.it;

import dev.beamckpt.io.socket.ZipfLines;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import dev.beamckpt.checkpoint.storage.Storages;
import dev.beamckpt.checkpoint.storage.gcs.FakeGcsServer;
import dev.beamckpt.checkpoint.storage.s3.MotoServer;
import dev.beamckpt.pipelines.WordCount;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 20,000 Zipf lines streamed to a query in its own JVM, SIGKILLed at three random moments and
 * restarted each time: the final counts equal the counts of every line that reached the receive
 * log, none twice. Lines that were in flight (written by the server, not yet in the log) when the
 * process died are measured and printed; when the sender pauses before each kill there are none.
 */
@Tag(Campaign.TAG)
class CrashRecoveryTest {
  private static final int LINES = 20_000;
  private static final int LINES_PER_SECOND = 2_000;
  @TempDir Path tmp;

  @Test
  void sigkillMidStreamLosesOnlyLinesInFlight() throws Exception {
    int kills = Campaign.kills(3);
    long lost = run(false, 11, kills);
    System.out.println("[crash, mid-stream] lines lost in flight across " + kills + " SIGKILLs: " + lost);
  }

  @Test
  void sigkillAfterSenderPausesLosesNothing() throws Exception {
    long lost = run(true, 23, 3);
    System.out.println("[crash, sender paused] lines lost in flight across 3 SIGKILLs: " + lost);
    assertEquals(0, lost, "with the sender paused and the log caught up, a SIGKILL loses no line");
  }

  /** On Flink in-process the SIGKILL takes Flink with it; the restart restores the newest checkpoint in state/. */
  @Test
  void sigkillMidStreamOnFlinkLosesOnlyLinesInFlight() throws Exception {
    int kills = Campaign.kills(3);
    long lost = run(false, 31, kills, "--runner=FlinkRunner");
    // A restarted Flink job takes seconds to restore; each kill waits for it to commit a batch, so every
    // kill lands on a running job with state to restore, not on one still starting.
    System.out.println("[crash, mid-stream, Flink in-process] lines lost in flight across " + kills + " SIGKILLs: " + lost);
  }

  /**
   * The location on GCS (a real fake-gcs-server): the receive log is sealed into immutable objects
   * every 200 ms, so a SIGKILL also loses the lines received since the last seal. Each kill
   * prints how many lines were written to the socket and how many are in the sealed log; the
   * difference is what was at risk (in the kernel's buffers, or received and not yet sealed).
   */
  @Test
  void sigkillMidStreamWithTheLocationOnGcs() throws Exception {
    int kills = Campaign.kills(3);
    long lost = runOnGcs(kills, 47);
    System.out.println("[crash, mid-stream, gs:// location] lines lost (in flight or not yet sealed) across " + kills
        + " SIGKILLs: " + lost);
  }

  /**
   * The location on S3 (a real moto server), seals every 200 ms: the same as on GCS through the S3
   * client. One SIGKILL in CI; the long form's {@code -Dcampaign.kills=30} makes 30.
   */
  @Test
  void sigkillMidStreamWithTheLocationOnS3() throws Exception {
    int kills = Campaign.kills(1);
    long lost = runOnS3(kills, 61);
    System.out.println("[crash, mid-stream, s3:// location] lines lost (in flight or not yet sealed) across " + kills
        + " SIGKILLs: " + lost);
  }

  /** {@code kills} steady SIGKILLs with the location on a fake-gcs-server started for the test. */
  private long runOnGcs(int kills, long seed, String... runnerArgs) throws Exception {
    try (FakeGcsServer gcs = FakeGcsServer.start(tmp.resolve("gcs"))) {
      gcs.createBucket("ckpt");
      return runOnObjectStore("gs://ckpt/word_count", "--gcsEndpoint=" + gcs.endpoint(), List.of(), kills, seed,
          runnerArgs);
    }
  }

  /** {@code kills} steady SIGKILLs with the location on a moto server started for the test. */
  private long runOnS3(int kills, long seed, String... runnerArgs) throws Exception {
    MotoServer.useTestCredentials();
    try (MotoServer moto = MotoServer.start(tmp.resolve("moto"))) {
      moto.createBucket("ckpt");
      return runOnObjectStore("s3://ckpt/word_count", "--s3Endpoint=" + moto.endpoint(), MotoServer.JVM_CREDENTIALS,
          kills, seed, runnerArgs);
    }
  }

  /** Steady SIGKILLs with the location on an object store: seals every 200 ms, a 3 s lease. */
  private long runOnObjectStore(String location, String endpoint, List<String> jvmArgs, int kills, long seed,
      String... runnerArgs) throws Exception {
    CheckpointStorage storage = Storages.forLocation(location, PipelineOptionsFactory.fromArgs(endpoint).create());
    List<String> args = new ArrayList<>(List.of(runnerArgs));
    args.addAll(List.of(endpoint, "--receiveLogSyncMillis=200", "--locationLeaseSeconds=3"));
    // A kill there takes 20 to 30 s (a restart, the lease taken over, a commit): lines for all of them.
    int lines = Math.max(15 * LINES, kills * 40 * LINES_PER_SECOND);
    return run(location, storage, jvmArgs, lines, kills, false, true, seed, args.toArray(String[]::new));
  }

  /**
   * On Flink in-process with the location on S3 (a real moto server): Flink's checkpoints go to the
   * bucket, and a reader's checkpoint mark seals the receive log up to it, so the restore finds the
   * lines its state counted. One SIGKILL: a restart restores from the bucket for about 30 s here.
   */
  @Test
  void sigkillMidStreamOnFlinkWithTheLocationOnS3() throws Exception {
    // The whole log stays (on Flink it is trimmed below the oldest retained checkpoint), for the
    // counts to be checked against every line it ever held.
    long lost = runOnS3(1, 53, "--runner=FlinkRunner", "--keepReceiveLog=true");
    System.out.println("[crash, mid-stream, Flink in-process, s3:// location] lines lost (in flight or not yet"
        + " sealed) by a SIGKILL: " + lost);
  }

  /**
   * On Flink in-process with the location on GCS (a real fake-gcs-server): the same through Flink's
   * GCS filesystem, so a restart after the kill restores the newest retained checkpoint from the bucket.
   */
  @Test
  void sigkillMidStreamOnFlinkWithTheLocationOnGcs() throws Exception {
    long lost = runOnGcs(1, 59, "--runner=FlinkRunner", "--keepReceiveLog=true");
    System.out.println("[crash, mid-stream, Flink in-process, gs:// location] lines lost (in flight or not yet"
        + " sealed) by a SIGKILL: " + lost);
  }

  private long run(boolean pauseBeforeKill, long seed, int kills, String... runnerArgs) throws Exception {
    Path location = tmp.resolve("ckpt");
    // The stream lasts about a second per kill (at least the usual 10 s), so the kills spread over it.
    int lines = Math.max(LINES, kills * LINES_PER_SECOND);
    return run(location.toString(), LocalStorage.at(location), List.of(), lines, kills, pauseBeforeKill, false, seed,
        runnerArgs);
  }

  /**
   * @param count lines to send; with {@code steadyKills}, at most this many: the stream ends 2 s
   *     after the last kill
   * @param steadyKills kills are not at random fractions of the stream but at a random moment (up
   *     to 2 s) after the running query committed a batch, while lines keep flowing: each lands on a
   *     query that receives, not on one still starting, however long restarts take
   */
  private long run(String location, CheckpointStorage storage, List<String> jvmArgs, int count, int kills,
      boolean pauseBeforeKill, boolean steadyKills, long seed, String... runnerArgs) throws Exception {
    List<String> lines = ZipfLines.generate(count, 2_000, 1.1, 42);
    Path output = tmp.resolve("out");
    Random random = new Random(seed);
    try (LineServer server = LineServer.start(0)) {
      List<String> argList = new ArrayList<>(List.of(runnerArgs));
      argList.addAll(List.of("--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=200 ms",
          "--sink=files", "--output=" + output));
      String[] args = argList.toArray(String[]::new);
      QueryProcess query = QueryProcess.start(jvmArgs, null, WordCount.class, args);
      double[] killAt = random.doubles(kills).toArray();
      Arrays.sort(killAt);
      int next = 0;
      long commitsAtStart = 0;
      long steadyKillLine = -1;
      long lostBefore = 0;
      int chunk = LINES_PER_SECOND / 20;
      int end = count;
      int lastKillAt = 0;
      for (int sent = 0; sent < count; sent += chunk) {
        if (steadyKills && next == killAt.length && sent >= lastKillAt + 2 * LINES_PER_SECOND) {
          end = sent;
          break;
        }
        server.sendAll(lines.subList(sent, Math.min(count, sent + chunk)));
        boolean due = next < killAt.length && sent >= killAt[next] * count;
        if (steadyKills && next < killAt.length) {
          if (steadyKillLine < 0 && Locations.latest(storage, "commits").orElse(0L) > commitsAtStart) {
            steadyKillLine = sent + random.nextInt(2 * LINES_PER_SECOND);
          }
          due = steadyKillLine >= 0 && sent >= steadyKillLine;
        }
        if (due) {
          steadyKillLine = -1;
          if (argList.contains("--runner=FlinkRunner")) {
            KillOracle.awaitCommitSince(commitsAtStart, storage, query);
          }
          if (pauseBeforeKill) {
            awaitLogCaughtUp(server, storage, query);
          }
          query.kill();
          long written = server.linesSent();
          long logged = Locations.receiveLog(storage).size();
          System.out.printf("SIGKILL %d of %s after %d lines queued, %d written to the socket, %d in the log: %d lost"
              + " by this kill (in flight, or received and not yet durable)%n", next + 1, location, sent + chunk, written,
              logged, written - logged - lostBefore);
          lostBefore = written - logged;
          query = QueryProcess.start(jvmArgs, null, WordCount.class, args);
          commitsAtStart = Locations.latest(storage, "commits").orElse(0L);
          lastKillAt = sent;
          next++;
        }
        if (sent % 5000 == 0) {
          query.assertAlive();
        }
        Thread.sleep(50); // pacing: about LINES_PER_SECOND; a mid-stream kill lands while the server writes
      }
      assertEquals(killAt.length, next, "every SIGKILL happened while lines were sent");
      return KillOracle.finishAndCheck(server, lines, end, storage, output, query);
    }
  }

  /** With the sender paused, what the server wrote must reach the log. */
  private static void awaitLogCaughtUp(LineServer server, CheckpointStorage location, QueryProcess query) throws Exception {
    query.await("the receive log to catch up with the server", Duration.ofSeconds(120),
        () -> server.linesQueued() == 0 && Locations.receiveLog(location).size() >= server.linesSent());
  }
}
