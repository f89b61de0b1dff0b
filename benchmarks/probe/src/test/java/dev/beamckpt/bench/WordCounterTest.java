package dev.beamckpt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WordCounterTest {
  @Test
  void countsWordsSplitOnSpacesAndReportsMarkersOnce() {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      Probe probe = Probe.forTest(System.out);
      WordCounter counter = new WordCounter(probe);
      counter.countLine("w0 w1  w0");
      counter.countLine("lat7");
      counter.countLine("lat7 w0");
      assertEquals(6, counter.total());
      assertEquals(3, counter.count(Probe.HOT_WORD));
    } finally {
      System.setOut(original);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertEquals(1, out.lines().filter(l -> l.startsWith(Probe.PREFIX + "marker lat7 ")).count(), out);
  }

  @Test
  void sinkRowsAddUpToTheWordsCounted() {
    Probe probe = Probe.forTest(new PrintStream(new ByteArrayOutputStream()));
    probe.update("w0", 2);
    probe.update("w1", 1);
    probe.update("w0", 5); // update mode: the row's new count replaces the old
    assertEquals(6, probe.total());
    assertEquals(5, probe.hot());
  }
}
