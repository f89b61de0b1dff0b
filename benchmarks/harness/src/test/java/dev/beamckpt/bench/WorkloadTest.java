package dev.beamckpt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadTest {
  @Test
  void sweepNamesEveryDistinctWordOnceSoTheStateHasExactlyThatManyKeys() {
    Workload w = new Workload(1_234, 1_000);
    Set<String> words = new HashSet<>();
    long count = 0;
    for (Workload.Chunk c : w.sweep) {
      for (String line : new String(c.bytes(), StandardCharsets.UTF_8).split("\n")) {
        for (String word : line.split(" ")) {
          words.add(word);
          count++;
        }
      }
    }
    assertEquals(1_234, words.size());
    assertEquals(1_234, count);
    assertEquals(1_234, w.sweepWords);
  }

  @Test
  void chunksCountTheirLinesAndWordsExactly() {
    Workload w = new Workload(100, 2_000);
    long lines = 0;
    long words = 0;
    for (Workload.Chunk c : w.stream) {
      String text = new String(c.bytes(), StandardCharsets.UTF_8);
      assertTrue(text.endsWith("\n"), "a chunk holds whole lines");
      String[] ls = text.split("\n");
      assertEquals(c.lines(), ls.length);
      long n = 0;
      for (String l : ls) {
        n += Workload.words(l);
      }
      assertEquals(c.words(), n);
      lines += c.lines();
      words += c.words();
    }
    assertEquals(2_000, lines);
    assertEquals(w.streamWords, words);
    assertTrue(w.wordsPerLine() >= 1 && w.wordsPerLine() <= 8);
  }

  @Test
  void theSameSeedGivesTheSameInput() {
    assertEquals(new Workload(500, 300).streamWords, new Workload(500, 300).streamWords);
  }
}
