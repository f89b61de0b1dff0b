package dev.beamckpt.bench;

import java.util.Map;

/** What a run measured, as written to results.json. */
final class Results {
  private Results() {}

  /**
   * Sustained throughput after warm-up, on a cycling Zipf stream fed as fast as the sink keeps up.
   *
   * @param startupSeconds JVM start to the peer's connection to the feed
   * @param cpuCores CPU time of the peer JVM (all threads, from the OS) over the window, per second
   * @param checkpointMs median duration of checkpoints / batch commits in the window
   * @param checkpointBytes per checkpoint: Flink's newest chk-N directory; otherwise the location's
   *     size divided by the batches committed
   */
  record Throughput(String peer, int distinctWords, int repeat, double startupSeconds, double linesPerSecond,
      double wordsPerSecond, double cpuCores, long peakRssBytes, int checkpoints, double checkpointMs,
      double checkpointBytes, long locationBytes, String error) {

    /** A run that measured nothing, and why. */
    static Throughput failed(String peer, int distinctWords, int repeat, double startupSeconds, long peakRssBytes,
        int checkpoints, String why) {
      return new Throughput(peer, distinctWords, repeat, startupSeconds, Double.NaN, Double.NaN, Double.NaN, peakRssBytes,
          checkpoints, Double.NaN, Double.NaN, 0, why);
    }

    /** CPU seconds per million words: the window's CPU rate over its word rate. */
    double cpuSecondsPerMillionWords() {
      return cpuCores * 1e6 / wordsPerSecond;
    }
  }

  /**
   * End-to-end latency at a fixed rate (marker line written to the socket until its count shows in
   * the sink), then recovery after SIGKILL (JVM start until the sink shows a count of the hot word
   * that includes everything before the kill).
   */
  record LatencyRecovery(String peer, int distinctWords, int repeat, int linesPerSecond, int markers, double p50Ms,
      double p99Ms, double maxMs, Double recoverySeconds, Double reconnectSeconds, Long replayedLines, Long locationBytes,
      String error) {}

  /**
   * Recovery of ours on the Direct runner against the receive log's length: it restores its newest
   * state version ({@code stateBytes}: the location's state/ at the kill) and replays the batches after it.
   */
  record Replay(String peer, int distinctWords, long logLines, long logBytes, long stateBytes, Double recoverySeconds,
      String error) {}

  /** Median and spread of one figure over the repeats. */
  record Figure(double median, double min, double max, int n) {}

  record Summary(String peer, String label, int distinctWords, Map<String, Figure> figures) {}

}
