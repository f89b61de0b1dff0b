package dev.beamckpt.bench;

import dev.beamckpt.checkpoint.adapter.flink.FlinkRestorePoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code bin/bench [--quick] [--systems=a,b] [--sizes=10000,100000] [--repeats=N] [--out=dir]}:
 * runs every system one after another on the same generated input and writes results.json,
 * results.md and charts to {@code benchmarks/results/<date>/}.
 */
public final class Bench {
  private final Plan plan;
  private final Path root;
  private final Path work;
  private final List<Results.Throughput> throughput = new ArrayList<>();
  private final List<Results.LatencyRecovery> latency = new ArrayList<>();
  private final List<Results.Replay> replay = new ArrayList<>();
  private final Map<Peer, String> tooSlow = new EnumMap<>(Peer.class);
  private static final String SWEEP_TIMEOUT = "did not count the";

  private Bench(Plan plan, Path root, Path work) {
    this.plan = plan;
    this.root = root;
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    Plan plan = Plan.full();
    Path root = Path.of(System.getProperty("bench.root", ".")).toAbsolutePath().normalize();
    Path out = null;
    Path report = null;
    for (String a : args) {
      String v = a.contains("=") ? a.substring(a.indexOf('=') + 1) : "";
      if (a.equals("--quick")) {
        plan = Plan.quick();
      } else if (a.startsWith("--systems=")) {
        plan = plan.withPeers(Arrays.stream(v.split(",")).map(Peer::byId).toList());
      } else if (a.startsWith("--sizes=")) {
        plan = plan.withSizes(v.isEmpty() ? List.of() : Arrays.stream(v.split(",")).map(Integer::parseInt).toList());
      } else if (a.startsWith("--repeats=")) {
        plan = plan.withRepeats(Integer.parseInt(v));
      } else if (a.startsWith("--replayLines=")) {
        plan = plan.withReplayStreamLines(v.isEmpty() ? List.of() : Arrays.stream(v.split(",")).map(Integer::parseInt).toList());
      } else if (a.startsWith("--warmup=")) {
        plan = plan.withWindow(Duration.ofSeconds(Long.parseLong(v)), plan.measure());
      } else if (a.startsWith("--measure=")) {
        plan = plan.withWindow(plan.warmup(), Duration.ofSeconds(Long.parseLong(v)));
      } else if (a.startsWith("--report=")) {
        report = Path.of(v);
      } else if (a.startsWith("--out=")) {
        out = Path.of(v);
      } else {
        System.err.println("Unknown argument '" + a + "'. Usage: bin/bench [--quick] [--systems=" + String.join(",",
            Arrays.stream(Peer.values()).map(p -> p.id).toList()) + "] [--sizes=10000,100000] [--repeats=N] [--replayLines=2000,10000] [--warmup=S] [--measure=S] [--out=DIR] | --report=DIR");
        System.exit(2);
      }
    }
    if (report != null) {
      Report.rewrite(report);
      System.out.println("Rewrote the tables and charts of " + report + " from its results.json.");
      return;
    }
    if (out == null) {
      // Only full runs are results to commit; a quick run checks the harness.
      out = plan.mode().equals("quick") ? root.resolve("benchmarks/target/results-quick")
          : root.resolve("benchmarks/results").resolve(LocalDate.now().toString());
    }
    Path work = Files.createTempDirectory("bench-");
    Bench bench = new Bench(plan, root, work);
    long t0 = System.nanoTime();
    bench.runAll();
    Report.write(out, plan, bench.throughput, bench.latency, bench.replay);
    System.out.printf("%nWrote %s (results.json, results.md, charts) in %.0f s.%n", out, (System.nanoTime() - t0) / 1e9);
    deleteTree(work);
  }

  private void runAll() throws IOException {
    for (int distinct : plan.distinctWords()) {
      Workload w = new Workload(distinct, plan.streamLines());
      for (int repeat = 1; repeat <= plan.repeatsAt(distinct); repeat++) {
        // Peers alternate within a repeat, so a noisy minute on this shared machine hits all of them.
        for (Peer peer : plan.peers()) {
          if (tooSlow.containsKey(peer)) {
            String why = "skipped: " + tooSlow.get(peer);
            throughput.add(Results.Throughput.failed(peer.id, distinct, repeat, Double.NaN, -1, 0, why));
            continue;
          }
          say("%s, %,d distinct words, repeat %d: throughput", peer.id, distinct, repeat);
          Results.Throughput t;
          try {
            t = measureThroughput(peer, w, repeat);
          } catch (IOException | RuntimeException e) {
            t = Results.Throughput.failed(peer.id, distinct, repeat, Double.NaN, -1, 0, e.toString());
          }
          throughput.add(t);
          say("  %s", t.error() != null ? "error: " + t.error()
              : String.format("%,.0f lines/s, %,.0f words/s, %.1f CPU s per M words, peak %d MB",
                  t.linesPerSecond(), t.wordsPerSecond(), t.cpuSecondsPerMillionWords(), t.peakRssBytes() >> 20));
          if (t.error() != null && t.error().startsWith(SWEEP_TIMEOUT)) {
            // Larger states only take longer: spend the hour on systems that finish.
            tooSlow.put(peer, t.error() + " at " + distinct + " distinct words");
            continue;
          }
          if (peer == Peer.CEILING || peer.checkpoints) {
            say("%s, %,d distinct words, repeat %d: latency at %,d lines/s%s", peer.id, distinct, repeat,
                plan.pacedRate(), peer.checkpoints ? ", then recovery after SIGKILL" : "");
            Results.LatencyRecovery l;
            try {
              l = measureLatencyAndRecovery(peer, w, repeat);
            } catch (IOException | RuntimeException e) {
              l = failedLatency(peer, w, repeat, e.toString());
            }
            latency.add(l);
            say("  %s", l.error() != null ? "error: " + l.error()
                : String.format("p50 %.0f ms, p99 %.0f ms%s", l.p50Ms(), l.p99Ms(),
                    l.recoverySeconds() == null ? "" : String.format(", recovered in %.1f s", l.recoverySeconds())));
          }
        }
      }
    }
    if (plan.peers().contains(Peer.OURS_DIRECT) && !plan.replayStreamLines().isEmpty()) {
      int longest = plan.replayStreamLines().stream().mapToInt(Integer::intValue).max().orElse(0);
      Workload w = new Workload(plan.replayDistinctWords(), Math.max(plan.streamLines(), longest));
      for (int lines : plan.replayStreamLines()) {
        say("%s, %,d distinct words: recovery by replay of a log with %,d more lines", Peer.OURS_DIRECT.id,
            w.distinctWords, lines);
        Results.Replay r;
        try {
          r = measureReplay(Peer.OURS_DIRECT, w, lines);
        } catch (IOException | RuntimeException e) {
          r = new Results.Replay(Peer.OURS_DIRECT.id, w.distinctWords, lines, 0, 0, null, e.toString());
        }
        replay.add(r);
        say("  %s", r.error() != null ? "error: " + r.error()
            : String.format("%,d lines (%,d KB) in the log, state %,d KB: recovered in %.1f s", r.logLines(),
                r.logBytes() >> 10, r.stateBytes() >> 10, r.recoverySeconds()));
      }
    }
  }

  private Results.Throughput measureThroughput(Peer peer, Workload w, int repeat) throws IOException {
    Path location = work.resolve(peer.id + "-" + w.distinctWords + "-" + repeat + "-throughput");
    try (Feed feed = Feed.open(); PeerProcess p = start(peer, feed, location, "throughput", w, repeat)) {
      Feed.Connection conn = feed.accept(plan.slowLimit(), p::alive);
      double startup = (System.currentTimeMillis() - p.startedMs) / 1000.0;
      Thread feeder = daemon(() -> {
        conn.feed(w.sweep, false, p::total, () -> allowedAhead(p));
        conn.feed(w.stream, true, p::total, () -> allowedAhead(p));
      });
      try {
        if (!p.await(() -> p.total() >= w.sweepWords, plan.slowLimit())) {
          return failedThroughput(peer, w, repeat, startup, p, SWEEP_TIMEOUT + " " + w.sweepWords
              + " words of the sweep within " + plan.slowLimit().toSeconds() + " s (counted " + p.total() + ")");
        }
        Feed.sleepMillis(plan.warmup().toMillis());
        PeerProcess.Sample s0 = p.last();
        double cpu0 = p.cpuSeconds();
        long w0 = System.currentTimeMillis();
        // A micro-batch system changes its output once per batch: the window spans at least two changes.
        long measureEnd = System.currentTimeMillis() + plan.measure().toMillis();
        long limit = System.currentTimeMillis() + plan.slowLimit().toMillis();
        p.await(() -> System.currentTimeMillis() >= measureEnd
            && p.samples().stream().filter(s -> s.ms() > s0.ms()).count() >= 2 || System.currentTimeMillis() > limit,
            plan.slowLimit().plusSeconds(1));
        PeerProcess.Sample s1 = p.last();
        double cpu1 = p.cpuSeconds();
        long w1 = System.currentTimeMillis();
        long peak = p.peakRssBytes();
        if (!p.alive()) {
          return failedThroughput(peer, w, repeat, startup, p, "the peer exited; see " + logOf(peer, w, repeat, "throughput"));
        }
        double seconds = (s1.ms() - s0.ms()) / 1000.0;
        double words = s1.total() - s0.total();
        if (seconds <= 0 || words <= 0) {
          return failedThroughput(peer, w, repeat, startup, p, "its output did not change within "
              + plan.slowLimit().toSeconds() + " s after the warm-up");
        }
        double wordsPerSecond = words / seconds;
        List<PeerProcess.Checkpoint> inWindow = p.checkpoints().stream().filter(c -> c.seenMs() >= w0 && c.seenMs() <= w1).toList();
        int checkpoints = p.checkpoints().size();
        long locationBytes = peer.checkpoints ? sizeOf(location) : 0;
        return new Results.Throughput(peer.id, w.distinctWords, repeat, startup, wordsPerSecond / w.wordsPerLine(),
            wordsPerSecond, (cpu1 - cpu0) / ((w1 - w0) / 1000.0), peak, checkpoints,
            Stats.median(inWindow.stream().mapToDouble(PeerProcess.Checkpoint::durationMs).toArray()),
            checkpointBytes(peer, location, inWindow, checkpoints, locationBytes), locationBytes, null);
      } finally {
        conn.close();
      }
    } finally {
      deleteTree(location);
    }
  }

  /**
   * How far the feed may run ahead of the sink: fifteen seconds of input at the rate the sink
   * showed over the last five, at least a floor. A system whose output trails its input by less
   * than that always has input waiting, so its own speed is measured, not the feed's; and no
   * system hoards more than fifteen seconds of input.
   */
  private long allowedAhead(PeerProcess p) {
    return Math.max(plan.minAheadWords(), 3 * p.countedInLast(5000));
  }

  private Results.Throughput failedThroughput(Peer peer, Workload w, int repeat, double startup, PeerProcess p, String why) {
    return Results.Throughput.failed(peer.id, w.distinctWords, repeat, startup, p.peakRssBytes(), p.checkpoints().size(), why);
  }

  /** Flink's own size of its newest checkpoint if it reported one, else what the location holds per checkpoint. */
  private static double checkpointBytes(Peer peer, Path location, List<PeerProcess.Checkpoint> inWindow, int checkpoints,
      long locationBytes) throws IOException {
    double[] reported = inWindow.stream().filter(c -> c.bytes() >= 0).mapToDouble(PeerProcess.Checkpoint::bytes).toArray();
    if (reported.length > 0) {
      return Stats.median(reported);
    }
    if (peer.flinkCheckpoints()) {
      Optional<FlinkRestorePoint> latest = FlinkRestorePoint.latest(location.resolve("state").toUri().toString());
      return latest.isPresent() ? latest.get().bytes() : Double.NaN;
    }
    return checkpoints == 0 ? Double.NaN : (double) locationBytes / checkpoints;
  }

  private Results.LatencyRecovery measureLatencyAndRecovery(Peer peer, Workload w, int repeat) throws IOException {
    Path location = work.resolve(peer.id + "-" + w.distinctWords + "-" + repeat + "-latency");
    int markers = 0;
    List<Double> latencies = new ArrayList<>();
    try (Feed feed = Feed.open()) {
      long hotBefore;
      long linesSent;
      try (PeerProcess p = start(peer, feed, location, "latency", w, repeat)) {
        Feed.Connection conn = feed.accept(plan.slowLimit(), p::alive);
        conn.feed(w.sweep, false, p::total, () -> allowedAhead(p));
        linesSent = w.sweep.stream().mapToLong(Workload.Chunk::lines).sum();
        if (!p.await(() -> p.total() >= w.sweepWords, plan.slowLimit())) {
          return failedLatency(peer, w, repeat, "did not count the sweep within " + plan.slowLimit().toSeconds() + " s");
        }
        // Steady input: every 10 ms a tick's share of lines; every 100 ms a marker line of its own.
        var zipf = w.pacedLines();
        int perTick = Math.max(1, plan.pacedRate() / 100);
        long ticks = plan.paced().toMillis() / 10;
        long start = System.currentTimeMillis();
        List<long[]> sent = new ArrayList<>();
        for (long i = 0; i < ticks; i++) {
          long due = start + i * 10;
          long wait = due - System.currentTimeMillis();
          if (wait > 0) {
            Feed.sleepMillis(wait);
          }
          for (int k = 0; k < perTick; k++) {
            String line = zipf.nextLine();
            conn.sendLine(line, Workload.words(line));
          }
          linesSent += perTick;
          if (i % 10 == 0) {
            conn.sendLine(Probe.MARKER + markers, 1);
            sent.add(new long[] {markers, System.currentTimeMillis()});
            markers++;
            linesSent++;
          }
        }
        long expected = conn.wordsSent();
        if (!p.await(() -> p.total() >= expected, Duration.ofSeconds(60))) {
          return failedLatency(peer, w, repeat, "fell behind a steady " + plan.pacedRate() + " lines/s: counted "
              + p.total() + " of " + expected + " words 60 s after the input ended");
        }
        long warm = start + 1000; // the first second's markers meet a cold JIT
        for (long[] m : sent) {
          Long seen = p.markerSeenMs(Probe.MARKER + m[0]);
          if (seen != null && m[1] >= warm) {
            latencies.add((double) (seen - m[1]));
          }
        }
        double[] l = latencies.stream().mapToDouble(Double::doubleValue).toArray();
        if (!peer.checkpoints) {
          return new Results.LatencyRecovery(peer.id, w.distinctWords, repeat, plan.pacedRate(), l.length,
              Stats.percentile(l, 50), Stats.percentile(l, 99), Stats.percentile(l, 100), null, null, null, null, null);
        }
        if (!awaitCheckpointCovering(p, expected)) {
          return failedLatency(peer, w, repeat, "no checkpoint within 30 s after all input was counted");
        }
        hotBefore = p.last().hot();
        p.kill();
        conn.close();
        Results.LatencyRecovery recovery = recover(peer, feed, location, w, repeat, hotBefore);
        long locationBytes = sizeOf(location);
        return new Results.LatencyRecovery(peer.id, w.distinctWords, repeat, plan.pacedRate(), l.length,
            Stats.percentile(l, 50), Stats.percentile(l, 99), Stats.percentile(l, 100), recovery.recoverySeconds(),
            recovery.reconnectSeconds(), linesSent, locationBytes, recovery.error());
      }
    } finally {
      deleteTree(location);
    }
  }

  /** Everything sent is counted; a crash must not lose it: waits for the checkpoint or batch commit that covers it. */
  private static boolean awaitCheckpointCovering(PeerProcess p, long expectedWords) {
    long countedAt = p.samples().stream().filter(s -> s.total() >= expectedWords).findFirst().orElseThrow().ms();
    return p.await(() -> p.checkpoints().stream().anyMatch(c -> c.seenMs() >= countedAt - 25), Duration.ofSeconds(30));
  }

  /**
   * Ours on the Direct runner restores the newest state version and replays only the batches after
   * it (before state versions, it replayed the whole receive log). Recovery after SIGKILL against
   * the log's length, at one state size: flat when the restore does not depend on the log.
   */
  private Results.Replay measureReplay(Peer peer, Workload w, int streamLines) throws IOException {
    Path location = work.resolve(peer.id + "-replay-" + streamLines);
    List<Workload.Chunk> stream = w.streamPrefix(streamLines);
    long logLines = (w.sweep.stream().mapToLong(Workload.Chunk::lines).sum() + stream.stream().mapToLong(Workload.Chunk::lines).sum());
    try (Feed feed = Feed.open()) {
      long hotBefore;
      try (PeerProcess p = start(peer, feed, location, "replay", w, streamLines)) {
        Feed.Connection conn = feed.accept(plan.slowLimit(), p::alive);
        conn.feed(w.sweep, false, p::total, () -> allowedAhead(p));
        conn.feed(stream, false, p::total, () -> allowedAhead(p));
        long expected = conn.wordsSent();
        // a long log takes long to count before the kill; the limit is for a system that is stuck
        Duration limit = plan.slowLimit().plusSeconds(logLines / 5_000);
        if (!p.await(() -> p.total() >= expected, limit) || !awaitCheckpointCovering(p, expected)) {
          return new Results.Replay(peer.id, w.distinctWords, logLines, 0, 0, null, "did not count and commit the "
              + logLines + " lines within " + limit.toSeconds() + " s (counted " + p.total() + " of " + expected + " words)");
        }
        hotBefore = p.last().hot();
        p.kill();
        conn.close();
      }
      long logBytes = sizeOf(location.resolve("sources"));
      long stateBytes = sizeOf(location.resolve("state"));
      Results.LatencyRecovery r = recover(peer, feed, location, w, streamLines, hotBefore);
      return new Results.Replay(peer.id, w.distinctWords, logLines, logBytes, stateBytes, r.recoverySeconds(), r.error());
    } finally {
      deleteTree(location);
    }
  }

  /** Restarts the peer on its location; one hot-word line every 50 ms until the sink shows more than before the kill. */
  private Results.LatencyRecovery recover(Peer peer, Feed feed, Path location, Workload w, int repeat, long hotBefore)
      throws IOException {
    try (PeerProcess p = start(peer, feed, location, "recovery", w, repeat)) {
      Feed.Connection conn = feed.accept(plan.slowLimit(), p::alive);
      double reconnect = (System.currentTimeMillis() - p.startedMs) / 1000.0;
      long deadline = System.nanoTime() + plan.slowLimit().toNanos();
      while (p.last().hot() <= hotBefore) {
        try {
          if (System.nanoTime() > deadline || !p.alive()) {
            throw new IOException("gave up");
          }
          conn.sendLine(Probe.HOT_WORD, 1);
        } catch (IOException e) {
          p.await(() -> !p.alive(), Duration.ofSeconds(5));
          return failedLatency(peer, w, repeat, "after the restart the sink never showed " + Probe.HOT_WORD + " above "
              + hotBefore + (p.alive() ? " within " + plan.slowLimit().toSeconds() + " s" : "; the peer exited: "
              + lastError(logOf(peer, w, repeat, "recovery"))));
        }
        Feed.sleepMillis(50);
      }
      long shown = p.samples().stream().filter(s -> s.hot() > hotBefore).findFirst().orElseThrow().ms();
      conn.close();
      return new Results.LatencyRecovery(peer.id, w.distinctWords, repeat, 0, 0, 0, 0, 0,
          (shown - p.startedMs) / 1000.0, reconnect, null, null, null);
    }
  }

  private static Results.LatencyRecovery failedLatency(Peer peer, Workload w, int repeat, String why) {
    return new Results.LatencyRecovery(peer.id, w.distinctWords, repeat, 0, 0, Double.NaN, Double.NaN, Double.NaN,
        null, null, null, null, why);
  }

  private PeerProcess start(Peer peer, Feed feed, Path location, String phase, Workload w, int repeat) throws IOException {
    return PeerProcess.start(peer.command(root, feed.port(), location, plan.interval(), freePort()), logOf(peer, w, repeat, phase));
  }

  private Path logOf(Peer peer, Workload w, int repeat, String phase) {
    return work.getParent().resolve("bench-logs").resolve(peer.id + "-" + w.distinctWords + "-" + repeat + "-" + phase + ".log");
  }

  /** The root cause a peer's log ends with, for the results. */
  private static String lastError(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      for (int i = lines.size() - 1; i >= 0; i--) {
        String l = lines.get(i).trim();
        if (l.startsWith("Caused by:") || l.startsWith("Exception in thread") || l.contains("Exception: ")) {
          return l.length() > 240 ? l.substring(0, 240) + "…" : l;
        }
      }
    } catch (IOException e) {
      // no log
    }
    return "see " + log;
  }

  private static Thread daemon(IoRunnable body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (IOException e) {
        // the peer went away (killed at the end of a run): nothing more to send
      }
    }, "bench-feed");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private interface IoRunnable {
    void run() throws IOException;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static long sizeOf(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  private static void say(String format, Object... args) {
    System.out.println(String.format(format, args));
    System.out.flush();
  }
}
