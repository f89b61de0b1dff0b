package dev.beamckpt.bench;

import java.util.HashMap;
import java.util.Map;

/** The ceiling's word count: split on spaces, count in a HashMap, publish the totals to the probe. */
public final class WordCounter {
  private final Probe probe;
  private final Map<String, long[]> counts = new HashMap<>();
  private final long[] hot = {0};
  private long total;

  public WordCounter(Probe probe) {
    this.probe = probe;
  }

  public void countLine(String line) {
    int start = 0;
    int n = line.length();
    while (start < n) {
      int end = line.indexOf(' ', start);
      if (end < 0) {
        end = n;
      }
      if (end > start) {
        String word = line.substring(start, end);
        long[] c = counts.get(word);
        if (c == null) {
          c = word.equals(Probe.HOT_WORD) ? hot : new long[1];
          counts.put(word, c);
          if (word.startsWith(Probe.MARKER)) {
            probe.marker(word);
          }
        }
        c[0]++;
        total++;
      }
      start = end + 1;
    }
  }

  /** Publishing every line would make the probe's lock the cost being measured: callers batch. */
  public void publish() {
    probe.totals(total, hot[0]);
  }

  long total() {
    return total;
  }

  long count(String word) {
    long[] c = counts.get(word);
    return c == null ? 0 : c[0];
  }
}
