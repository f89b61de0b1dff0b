package dev.beamckpt.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The ceiling this machine allows: one thread reads lines from the socket, splits them on spaces
 * and counts words in a HashMap. No checkpoint, no recovery, nothing else. {@code Ceiling <port>}
 */
public final class Ceiling {
  private Ceiling() {}

  public static void main(String[] args) throws Exception {
    Probe probe = Probe.get();
    Map<String, long[]> counts = new HashMap<>();
    long total = 0;
    long[] hot = {0};
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0]));
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 1 << 16)) {
      String line;
      long lines = 0;
      while ((line = in.readLine()) != null) {
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
        // Publishing every line would make the probe's lock the cost being measured.
        if ((++lines & 1023) == 0 || !in.ready()) {
          probe.totals(total, hot[0]);
        }
      }
      probe.totals(total, hot[0]);
    }
    Thread.sleep(100); // the probe reports every 20 ms: let it print the last total
  }
}
