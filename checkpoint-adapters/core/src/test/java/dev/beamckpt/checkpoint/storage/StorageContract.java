package dev.beamckpt.checkpoint.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import dev.beamckpt.checkpoint.source.log.FileReceiveLog;
import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.checkpoint.source.log.ReceiveLog;
import dev.beamckpt.checkpoint.source.log.RequiredEnd;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * What every {@link CheckpointStorage} promises a checkpoint location. Each store's module runs it
 * against its own storage (an object store against its emulator) by extending this class.
 */
public abstract class StorageContract {

  /** A new storage instance on this test's location: the same location every call, as a second process sees it. */
  protected abstract CheckpointStorage open() throws Exception;

  /** The path a runner's URI of {@code state} must end with, in this test's location. */
  protected abstract String statePathSuffix();

  /**
   * Why the store under test cannot show that concurrent create-if-absent writes are atomic (an
   * emulator that checks a precondition and writes in two steps), or null if it can. The store
   * itself must guarantee it; the test then says it was not proven here.
   */
  protected String concurrentCreatesUnprovenBecause() {
    return null;
  }

  @Test
  void createIfAbsentWritesOnceAndNeverOverwrites() throws Exception {
    CheckpointStorage storage = open();
    assertTrue(storage.createIfAbsent("offsets/1", bytes("first")));
    assertFalse(storage.createIfAbsent("offsets/1", bytes("second")), "a second create of the same file fails");
    assertArrayEquals(bytes("first"), storage.read("offsets/1"));
    assertTrue(storage.exists("offsets/1"));
  }

  @Test
  void ofConcurrentCreatorsExactlyOneWins() throws Exception {
    assumeTrue(concurrentCreatesUnprovenBecause() == null, concurrentCreatesUnprovenBecause());
    CheckpointStorage storage = open();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<Boolean>> writers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        byte[] data = bytes("writer " + i);
        writers.add(() -> storage.createIfAbsent("commits/7", data));
      }
      long winners = 0;
      for (Future<Boolean> f : pool.invokeAll(writers)) {
        winners += f.get() ? 1 : 0;
      }
      assertEquals(1, winners);
      assertTrue(new String(storage.read("commits/7"), StandardCharsets.UTF_8).startsWith("writer "));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void listsByPrefixSortedWithoutHiddenFilesAndDeletes() throws Exception {
    CheckpointStorage storage = open();
    for (String name : List.of("offsets/10", "offsets/2", "offsets/.3.tmp", "commits/2")) {
      storage.createIfAbsent(name, bytes(name));
    }
    assertEquals(List.of("10", "2"), storage.list("offsets"));
    assertEquals(List.of(), storage.list("state"), "a missing directory lists as empty");
    storage.delete("offsets/10");
    storage.delete("offsets/10"); // deleting what is gone is no error
    assertEquals(List.of("2"), storage.list("offsets"));
    assertThrows(NoSuchFileException.class, () -> storage.read("offsets/10"));
  }

  @Test
  void replaceSwapsAPointerWhole() throws Exception {
    CheckpointStorage storage = open();
    storage.replace("sources/0/finalized", bytes("v1\n{\"offset\":5}\n"));
    storage.replace("sources/0/finalized", bytes("v1\n{\"offset\":9}\n"));
    assertArrayEquals(bytes("v1\n{\"offset\":9}\n"), storage.read("sources/0/finalized"));
    assertEquals(List.of("finalized"), storage.list("sources/0"), "no temp file stays behind");
  }

  @Test
  void oneOwnerAtATime() throws Exception {
    CheckpointStorage storage = open();
    try (CheckpointStorage.Lease lease = storage.acquireLease("first owner")) {
      Exception e = assertThrows(Exception.class, () -> open().acquireLease("second owner"));
      assertTrue(e.getMessage().contains("first owner"), e.getMessage());
    }
    open().acquireLease("after release").close();
  }

  @Test
  void segmentsAppendAndAreReadFromAnyPositionWhileWritten() throws Exception {
    CheckpointStorage storage = open();
    try (CheckpointStorage.Segment segment = storage.createSegment("sources/0/00000000000000000000.log")) {
      segment.append(ByteBuffer.wrap(bytes("header|")));
      try (InputStream reader = storage.openRead("sources/0/00000000000000000000.log", 3)) {
        assertEquals("der|", new String(reader.readNBytes(4), StandardCharsets.UTF_8));
        segment.append(ByteBuffer.wrap(bytes("record")));
        segment.sync();
        assertEquals("record", new String(reader.readNBytes(6), StandardCharsets.UTF_8), "a reader sees later appends");
      }
      assertEquals(13, segment.length());
      if (storage.sealsSegments()) {
        assertThrows(IOException.class, () -> segment.append(ByteBuffer.wrap(bytes("late"))), "a sealed segment is immutable");
      }
    }
    try (InputStream reader = open().openRead("sources/0/00000000000000000000.log", 7)) {
      assertEquals("record", new String(reader.readAllBytes(), StandardCharsets.UTF_8), "another process reads it too");
    }
    assertEquals(13, storage.length("sources/0/00000000000000000000.log"));
    assertThrows(FileAlreadyExistsException.class, () -> storage.createSegment("sources/0/00000000000000000000.log"),
        "a segment is never created twice");
    assertEquals(List.of("00000000000000000000.log"), storage.list("sources/0"));
  }

  @Test
  void aSegmentNeverSyncedIsLostWithItsProcessOnAnObjectStore() throws Exception {
    CheckpointStorage storage = open();
    assumeTrue(storage.sealsSegments(), "files are appended in place: what was written is there");
    CheckpointStorage.Segment segment = storage.createSegment("sources/0/00000000000000000007.log");
    segment.append(ByteBuffer.wrap(bytes("unsealed")));
    assertEquals(List.of(), open().list("sources/0"), "nothing is visible to others before the seal");
    segment.close();
    assertEquals(List.of(), open().list("sources/0"));
  }

  @Test
  void reopeningASegmentCutsATornTailAndAppendsAfterIt() throws Exception {
    CheckpointStorage storage = open();
    assumeFalse(storage.sealsSegments(), "a sealed segment is never reopened: the log starts a new one");
    try (CheckpointStorage.Segment segment = storage.createSegment("sources/0/seg")) {
      segment.append(ByteBuffer.wrap(bytes("whole|torn")));
    }
    try (CheckpointStorage.Segment segment = storage.appendTo("sources/0/seg", 6)) {
      assertEquals(6, segment.length());
      segment.append(ByteBuffer.wrap(bytes("next")));
    }
    assertArrayEquals(bytes("whole|next"), storage.read("sources/0/seg"));
    storage.delete("sources/0/seg");
    assertThrows(NoSuchFileException.class, () -> storage.length("sources/0/seg"));
  }

  @Test
  void aRunnerGetsAUriOfItsOwnInsideTheLocation() throws Exception {
    CheckpointStorage storage = open();
    URI state = URI.create(storage.runnerUri("state"));
    assertTrue(state.isAbsolute(), "a URI with a scheme a runner's filesystem resolves: " + state);
    assertTrue(state.getPath().replaceAll("/$", "").endsWith(statePathSuffix()), state.toString());
  }

  /** A runner's checkpoint mark makes the log durable up to it: a restore after a kill finds those records. */
  @Test
  void recordsMadeDurableForACheckpointMarkSurviveAKill() throws Exception {
    FileReceiveLog log = FileReceiveLog.open(open(), "sources/3", 1 << 20);
    log.append(List.of("a", "b"), 1_000);
    log.makeDurableThrough(2);
    // killed here: never synced nor closed
    writerKilled("sources/3");
    try (FileReceiveLog reopened = FileReceiveLog.open(open(), "sources/3", 1 << 20, RequiredEnd.NONE)) {
      assertEquals(2, reopened.endOffset(), "the records below the mark's offset are there");
    }
  }

  /** Retention trims what every checkpoint holds, yet the log still knows how far it reached after a kill. */
  @Test
  void aTrimmedLogStillKnowsItsEndWhenItsProcessIsKilled() throws Exception {
    FileReceiveLog log = FileReceiveLog.open(open(), "sources/2", 1 << 20);
    log.append(List.of("a"), 1_000);
    log.sync(); // on an object store: the segment is sealed, and the log moves on to a new (unstored) one
    log.trimBefore(1); // record 0 is in every retained checkpoint
    writerKilled("sources/2");
    try (FileReceiveLog reopened = FileReceiveLog.open(open(), "sources/2", 1 << 20, RequiredEnd.NONE)) {
      assertEquals(1, reopened.endOffset(), "a reopened log ends where the killed one had made it durable");
    }
  }

  @Test
  void aReceiveLogKeepsWhatWasSyncedWhenItsProcessIsKilled() throws Exception {
    CheckpointStorage storage = open();
    FileReceiveLog log = FileReceiveLog.open(storage, "sources/1", 1 << 20);
    log.append(List.of("a", "b"), 1_000);
    log.sync();
    log.append(List.of("c"), 2_000);
    log.sync();
    log.append(List.of("unsynced"), 3_000); // the log is never closed: its process was killed
    writerKilled("sources/1");
    // A file keeps what was written (the kernel has it); an object store only what was sealed.
    List<String> kept = storage.sealsSegments() ? List.of("a", "b", "c") : List.of("a", "b", "c", "unsynced");
    try (FileReceiveLog reopened = FileReceiveLog.open(open(), "sources/1", 1 << 20, RequiredEnd.NONE)) {
      assertEquals(kept.size(), reopened.endOffset(), "records: " + FileReceiveLog.readAll(open(), "sources/1"));
      reopened.append(List.of("d"), 4_000);
    }
    List<String> all = new ArrayList<>(kept);
    all.add("d");
    assertEquals(all, FileReceiveLog.readAll(open(), "sources/1").stream().map(LogRecord::line).toList(),
        "a closed log is durable");
    try (FileReceiveLog reopened = FileReceiveLog.open(open(), "sources/1", 1 << 20, RequiredEnd.NONE);
        ReceiveLog.Cursor cursor = reopened.cursor(2)) {
      for (String line : all.subList(2, all.size())) {
        assertEquals(line, cursor.next().line());
      }
      assertNull(cursor.next());
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * What a SIGKILL leaves of the writer in this test's JVM, which lives on: the log names as its
   * writer a process of this host that no longer runs (the format of WriterClaim), so reopening it
   * does not wait for a release that never comes.
   */
  private void writerKilled(String log) throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    open().replace(log + "/writer", (java.util.UUID.randomUUID() + " " + java.net.InetAddress.getLocalHost().getHostName()
        + " " + gone.pid()).getBytes(StandardCharsets.UTF_8));
  }
}
