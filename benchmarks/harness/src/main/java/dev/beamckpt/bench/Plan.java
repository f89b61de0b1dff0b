package dev.beamckpt.bench;

import java.time.Duration;
import java.util.List;

/**
 * What one {@code bin/bench} invocation measures and for how long.
 *
 * @param interval Spark's processing-time trigger, our --trigger, Flink's checkpoint interval
 * @param minAheadWords how far the feed may always run ahead of what a sink shows (more once it is counting)
 * @param pacedRate lines per second for the latency run, well under every system's throughput
 * @param replayStreamLines receive log lengths (beyond the sweep) for ours on Direct's replay runs
 */
record Plan(
    String mode,
    List<Peer> peers,
    List<Integer> distinctWords,
    int repeats,
    int streamLines,
    Duration interval,
    long minAheadWords,
    Duration warmup,
    Duration measure,
    int pacedRate,
    Duration paced,
    Duration slowLimit,
    int replayDistinctWords,
    List<Integer> replayStreamLines) {

  static final List<Peer> ALL = List.of(Peer.values());

  /**
   * About an hour on 2 cores: three repeats at 1,000 distinct words, two at 10,000, one at 100,000
   * and at 1,000,000 (the larger states cost minutes per run for the slower systems). Each
   * throughput window opens 15 s after the sweep: 2 s measured the JIT at work (ours on Flink at
   * 10,000 words: C2 used 70% of a core 4 to 14 s into the phase, 16% 25 s in; 104,753 lines/s
   * after 2 s, 193,996 after 20 s, same code). The steady rate of the latency run is one the
   * slower systems keep up with.
   */
  static Plan full() {
    return new Plan("full", ALL, List.of(1_000, 10_000, 100_000, 1_000_000), 3, 200_000, Duration.ofSeconds(1), 50_000,
        Duration.ofSeconds(15), Duration.ofSeconds(10), 100, Duration.ofSeconds(5), Duration.ofSeconds(120),
        10_000, List.of(20_000, 200_000, 1_000_000));
  }

  /**
   * Under three minutes: one small state, one repeat, short windows; keeps the harness working in
   * CI. Our Direct runner peer is the same program as our Flink one, so only the latter runs here.
   */
  static Plan quick() {
    return new Plan("quick", List.of(Peer.CEILING, Peer.RECEIVE_LOG, Peer.OURS_FLINK, Peer.SPARK_P2, Peer.FLINK),
        List.of(1_000), 1, 50_000, Duration.ofSeconds(1), 5_000,
        Duration.ofSeconds(1), Duration.ofSeconds(2), 100, Duration.ofSeconds(2), Duration.ofSeconds(60),
        1_000, List.of());
  }

  /** Repeats at the i-th state size: one fewer for each larger size, at least one. */
  int repeatsAt(int size) {
    return Math.max(1, repeats - distinctWords.indexOf(size));
  }

  Plan withPeers(List<Peer> peers) {
    return new Plan(mode, peers, distinctWords, repeats, streamLines, interval, minAheadWords, warmup, measure, pacedRate,
        paced, slowLimit, replayDistinctWords, replayStreamLines);
  }

  Plan withSizes(List<Integer> sizes) {
    return new Plan(mode, peers, sizes, repeats, streamLines, interval, minAheadWords, warmup, measure, pacedRate,
        paced, slowLimit, replayDistinctWords, replayStreamLines);
  }

  Plan withRepeats(int n) {
    return new Plan(mode, peers, distinctWords, n, streamLines, interval, minAheadWords, warmup, measure, pacedRate,
        paced, slowLimit, replayDistinctWords, replayStreamLines);
  }

  Plan withReplayStreamLines(List<Integer> lines) {
    return new Plan(mode, peers, distinctWords, repeats, streamLines, interval, minAheadWords, warmup, measure, pacedRate,
        paced, slowLimit, replayDistinctWords, lines);
  }

  /** A longer warm-up lets every peer's JIT finish compiling before the window opens. */
  Plan withWindow(Duration warmup, Duration measure) {
    return new Plan(mode, peers, distinctWords, repeats, streamLines, interval, minAheadWords, warmup, measure, pacedRate,
        paced, slowLimit, replayDistinctWords, replayStreamLines);
  }
}
