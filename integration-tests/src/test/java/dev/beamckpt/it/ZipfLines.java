package dev.beamckpt.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random lines of Zipf-distributed words from a fixed seed: a few words are very common, most rare. */
final class ZipfLines {
  private ZipfLines() {}

  static List<String> generate(int lines, int distinctWords, double exponent, long seed) {
    double[] cumulative = new double[distinctWords];
    double sum = 0;
    for (int i = 0; i < distinctWords; i++) {
      sum += 1.0 / Math.pow(i + 1, exponent);
      cumulative[i] = sum;
    }
    Random random = new Random(seed);
    List<String> out = new ArrayList<>(lines);
    for (int l = 0; l < lines; l++) {
      int words = 1 + random.nextInt(8);
      StringBuilder sb = new StringBuilder();
      for (int w = 0; w < words; w++) {
        double u = random.nextDouble() * sum;
        int lo = 0;
        int hi = distinctWords - 1;
        while (lo < hi) {
          int mid = (lo + hi) >>> 1;
          if (cumulative[mid] < u) {
            lo = mid + 1;
          } else {
            hi = mid;
          }
        }
        if (w > 0) {
          sb.append(' ');
        }
        sb.append('w').append(lo);
      }
      out.add(sb.toString());
    }
    return out;
  }
}
