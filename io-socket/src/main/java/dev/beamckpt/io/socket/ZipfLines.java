package dev.beamckpt.io.socket;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Lines of Zipf-distributed words from a fixed seed ({@code w0} most common, then {@code w1}, …):
 * a few words are very common, most rare, as in text. Each line has 1 to 8 words. The same seed
 * gives the same lines, so tests and benchmarks can compute the exact counts a query must show.
 */
public final class ZipfLines {
  private final double[] cumulative;
  private final Random random;

  public ZipfLines(int distinctWords, double exponent, long seed) {
    cumulative = new double[distinctWords];
    double sum = 0;
    for (int i = 0; i < distinctWords; i++) {
      sum += 1.0 / Math.pow(i + 1, exponent);
      cumulative[i] = sum;
    }
    random = new Random(seed);
  }

  public static List<String> generate(int lines, int distinctWords, double exponent, long seed) {
    ZipfLines zipf = new ZipfLines(distinctWords, exponent, seed);
    List<String> out = new ArrayList<>(lines);
    for (int l = 0; l < lines; l++) {
      out.add(zipf.nextLine());
    }
    return out;
  }

  public String nextLine() {
    int words = 1 + random.nextInt(8);
    StringBuilder sb = new StringBuilder();
    for (int w = 0; w < words; w++) {
      if (w > 0) {
        sb.append(' ');
      }
      sb.append('w').append(nextWord());
    }
    return sb.toString();
  }

  /** The rank of the next word: binary search of a uniform draw in the cumulative weights. */
  private int nextWord() {
    double u = random.nextDouble() * cumulative[cumulative.length - 1];
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] < u) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
