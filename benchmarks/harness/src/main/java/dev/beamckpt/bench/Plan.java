package dev.beamckpt.bench;

import java.time.Duration;
import java.util.List;

/**
 * What one {@code bin/bench} invocation measures and for how long.
 *
 * @param interval Spark's processing-time trigger, our --trigger, Flink's checkpoint interval
 * @param minAheadWords how far the feed may always run ahead of what a sink shows (more once it is counting)
 * @param pacedRate lines per second for the latency run, well under every system's throughput
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
    Duration slowLimit) {

  static final List<Peer> ALL = List.of(Peer.values());

  /**
   * About 40 minutes on 2 cores: two repeats at 10,000 distinct words, one at 100,000 and at
   * 1,000,000 (the larger states cost minutes per run for the slower systems). The steady rate of
   * the latency run is one every system here keeps up with.
   */
  static Plan full() {
    return new Plan("full", ALL, List.of(10_000, 100_000, 1_000_000), 2, 200_000, Duration.ofSeconds(1), 10_000,
        Duration.ofSeconds(2), Duration.ofSeconds(6), 100, Duration.ofSeconds(5), Duration.ofSeconds(120));
  }

  /** Minutes, not an hour: one state size, one repeat, short windows; keeps the harness working in CI. */
  static Plan quick() {
    return new Plan("quick", List.of(Peer.CEILING, Peer.OURS_DIRECT, Peer.OURS_FLINK, Peer.SPARK_P2, Peer.FLINK),
        List.of(2_000), 1, 50_000, Duration.ofSeconds(1), 10_000,
        Duration.ofSeconds(1), Duration.ofSeconds(3), 100, Duration.ofSeconds(3), Duration.ofSeconds(60));
  }

  /** Repeats at the i-th state size: one fewer for each larger size, at least one. */
  int repeatsAt(int size) {
    return Math.max(1, repeats - distinctWords.indexOf(size));
  }
}
