package dev.beamckpt.bench;

import dev.beamckpt.io.socket.ZipfLines;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The input every peer gets for one state size: first a sweep that names each of the distinct
 * words once (so the state holds exactly that many keys), then Zipf-distributed lines over the
 * same words from a fixed seed, pre-encoded in chunks so the feed costs the sender almost nothing.
 */
final class Workload {
  static final double EXPONENT = 1.1;
  static final long SEED = 42;
  private static final int WORDS_PER_SWEEP_LINE = 10;
  private static final int LINES_PER_CHUNK = 512;

  /** Bytes of whole lines and how many words they hold. */
  record Chunk(byte[] bytes, int lines, long words) {}

  final int distinctWords;
  final List<Chunk> sweep;
  final List<Chunk> stream;
  final long sweepWords;
  final long streamWords;
  final long streamLines;

  Workload(int distinctWords, int streamLines) {
    this.distinctWords = distinctWords;
    List<String> sweepLines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (int w = 0; w < distinctWords; w++) {
      line.append(line.length() == 0 ? "" : " ").append('w').append(w);
      if ((w + 1) % WORDS_PER_SWEEP_LINE == 0 || w == distinctWords - 1) {
        sweepLines.add(line.toString());
        line.setLength(0);
      }
    }
    this.sweep = chunks(sweepLines);
    this.sweepWords = distinctWords;
    this.stream = chunks(ZipfLines.generate(streamLines, distinctWords, EXPONENT, SEED));
    this.streamWords = stream.stream().mapToLong(Chunk::words).sum();
    this.streamLines = streamLines;
  }

  /** The stream's first chunks, at least {@code lines} lines. */
  List<Chunk> streamPrefix(long lines) {
    List<Chunk> out = new ArrayList<>();
    long n = 0;
    for (Chunk c : stream) {
      if (n >= lines) {
        break;
      }
      out.add(c);
      n += c.lines();
    }
    return out;
  }

  double wordsPerLine() {
    return (double) streamWords / streamLines;
  }

  /** Lines at a steady rate, from another seed of the same distribution. */
  ZipfLines pacedLines() {
    return new ZipfLines(distinctWords, EXPONENT, SEED + 1);
  }

  static long words(String line) {
    long n = 0;
    for (String w : line.split(" ")) {
      if (!w.isEmpty()) {
        n++;
      }
    }
    return n;
  }

  private static List<Chunk> chunks(List<String> lines) {
    List<Chunk> out = new ArrayList<>();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int n = 0;
    long words = 0;
    for (String l : lines) {
      buf.writeBytes((l + "\n").getBytes(StandardCharsets.UTF_8));
      n++;
      words += words(l);
      if (n == LINES_PER_CHUNK) {
        out.add(new Chunk(buf.toByteArray(), n, words));
        buf.reset();
        n = 0;
        words = 0;
      }
    }
    if (n > 0) {
      out.add(new Chunk(buf.toByteArray(), n, words));
    }
    return out;
  }
}
