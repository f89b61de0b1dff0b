package dev.beamckpt.checkpoint.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.source.log.FileReceiveLog;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Receivers whose readers were never closed (a job that ended in a cluster's TaskManager, its
 * readers left in Beam's reader cache) stop once no reader has read for a while; driven ones and
 * read ones do not.
 */
class ReceiversTest {
  @TempDir Path root;

  /** A receiver that reads nothing: what is under test is its registry. */
  private final class IdleReceiver implements Receiver {
    final LogChannel channel;
    boolean stopped;

    IdleReceiver(String log) throws IOException {
      channel = new LogChannel("test", "nowhere", FileReceiveLog.open(new LocalStorage(root.toString(), root), log), 0,
          LogRetention.keepAll(), null);
    }

    @Override
    public LogChannel channel() {
      return channel;
    }

    @Override
    public void start() {}

    @Override
    public void stop() throws IOException {
      stopped = true;
      channel.close();
    }

    @Override
    public boolean endOfInput() {
      return false;
    }

    @Override
    public String status() {
      return stopped ? "stopped" : "idle";
    }

    @Override
    public Map<String, Long> metrics() {
      return Map.of();
    }
  }

  @Test
  void aReceiverWhoseReadersStoppedReadingIsStoppedAndAReturningReaderIsToldWhy() throws Exception {
    IdleReceiver first = new IdleReceiver("sources/abandoned");
    SourceChannel reader = Receivers.acquire("abandoned", () -> first, false);
    assertFalse(Receivers.stopAbandoned(TimeUnit.MINUTES.toNanos(10)).contains("abandoned"), "read from just now");

    assertTrue(Receivers.stopAbandoned(0).contains("abandoned"));
    assertTrue(first.stopped);
    IOException e = assertThrows(IOException.class, reader::checkOpen);
    assertTrue(e.getMessage().startsWith("The receiver of abandoned was stopped: no reader had read from it for 120 s"),
        e.getMessage());

    IdleReceiver second = new IdleReceiver("sources/abandoned-again");
    try (SourceChannel restored = Receivers.acquire("abandoned", () -> second, false)) {
      assertNotSame(first, Receivers.lookup("abandoned").orElseThrow(), "a restored reader gets a new receiver");
      restored.checkOpen();
      reader.close(); // late: the registry forgot its receiver, and the new one is not touched
      assertSame(second, Receivers.lookup("abandoned").orElseThrow());
      assertFalse(second.stopped);
    }
  }

  @Test
  void aReceiverADriverOwnsOrAReaderReadsFromStays() throws Exception {
    IdleReceiver driven = new IdleReceiver("sources/driven");
    IdleReceiver read = new IdleReceiver("sources/read");
    try (SourceChannel driver = Receivers.acquire("driven", () -> driven, true);
        SourceChannel reader = Receivers.acquire("read", () -> read, false)) {
      reader.gate().bundleStarted();
      List<String> stopped = Receivers.stopAbandoned(TimeUnit.MINUTES.toNanos(1));
      assertFalse(stopped.contains("read"), stopped.toString());
      assertFalse(Receivers.stopAbandoned(0).contains("driven"), "a driver stops its receiver itself");
      assertFalse(driven.stopped);
      driver.checkOpen();
    }
    assertTrue(driven.stopped, "closing the driver's handle stops it");
    assertEquals(List.of(), Receivers.stopAbandoned(0).stream().filter(k -> k.equals("driven")).toList());
  }
}
