package dev.beamckpt.checkpoint.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every {@link CheckpointStorage} promises a checkpoint location, checked against each
 * registered store that can run here (the local one; object stores join with their emulators).
 */
class StorageContractTest {
  @TempDir Path dir;

  /** Each registered scheme's storage, opened on a fresh location under the test's directory. */
  static Stream<String> schemes() {
    List<String> schemes = new ArrayList<>();
    ServiceLoader.load(StorageRegistrar.class).forEach(r -> schemes.addAll(r.schemes()));
    return schemes.stream().filter(s -> s.isEmpty() || s.equals("file"));
  }

  private CheckpointStorage open(String scheme) {
    Path root = dir.resolve("location");
    return Storages.forLocation(scheme.isEmpty() ? root.toString() : root.toUri().toString());
  }

  @ParameterizedTest
  @MethodSource("schemes")
  void createIfAbsentWritesOnceAndNeverOverwrites(String scheme) throws Exception {
    CheckpointStorage storage = open(scheme);
    assertTrue(storage.createIfAbsent("offsets/1", bytes("first")));
    assertFalse(storage.createIfAbsent("offsets/1", bytes("second")), "a second create of the same file fails");
    assertArrayEquals(bytes("first"), storage.read("offsets/1"));
    assertTrue(storage.exists("offsets/1"));
  }

  @ParameterizedTest
  @MethodSource("schemes")
  void ofConcurrentCreatorsExactlyOneWins(String scheme) throws Exception {
    CheckpointStorage storage = open(scheme);
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

  @ParameterizedTest
  @MethodSource("schemes")
  void listsByPrefixSortedWithoutHiddenFilesAndDeletes(String scheme) throws Exception {
    CheckpointStorage storage = open(scheme);
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

  @ParameterizedTest
  @MethodSource("schemes")
  void replaceSwapsAPointerWhole(String scheme) throws Exception {
    CheckpointStorage storage = open(scheme);
    storage.replace("sources/0/finalized", bytes("v1\n{\"offset\":5}\n"));
    storage.replace("sources/0/finalized", bytes("v1\n{\"offset\":9}\n"));
    assertArrayEquals(bytes("v1\n{\"offset\":9}\n"), storage.read("sources/0/finalized"));
    assertEquals(List.of("finalized"), storage.list("sources/0"), "no temp file stays behind");
  }

  @ParameterizedTest
  @MethodSource("schemes")
  void oneOwnerAtATime(String scheme) throws Exception {
    CheckpointStorage storage = open(scheme);
    try (CheckpointStorage.Lease lease = storage.acquireLease("first owner")) {
      Exception e = assertThrows(Exception.class, () -> open(scheme).acquireLease("second owner"));
      assertTrue(e.getMessage().contains("first owner"), e.getMessage());
    }
    open(scheme).acquireLease("after release").close();
  }

  @ParameterizedTest
  @MethodSource("schemes")
  void segmentsAppendAndAreReadFromAnyPositionWhileWritten(String scheme) throws Exception {
    CheckpointStorage storage = open(scheme);
    try (CheckpointStorage.Segment segment = storage.createSegment("sources/0/00000000000000000000.log")) {
      segment.append(ByteBuffer.wrap(bytes("header|")));
      try (InputStream reader = storage.openRead("sources/0/00000000000000000000.log", 3)) {
        assertEquals("der|", new String(reader.readNBytes(4), StandardCharsets.UTF_8));
        segment.append(ByteBuffer.wrap(bytes("record")));
        segment.sync();
        assertEquals("record", new String(reader.readNBytes(6), StandardCharsets.UTF_8), "a reader sees later appends");
      }
      assertEquals(13, segment.length());
    }
    assertEquals(13, storage.length("sources/0/00000000000000000000.log"));
    assertThrows(FileAlreadyExistsException.class, () -> storage.createSegment("sources/0/00000000000000000000.log"),
        "a segment is never created twice");
    assertEquals(List.of("00000000000000000000.log"), storage.list("sources/0"));
  }

  @ParameterizedTest
  @MethodSource("schemes")
  void reopeningASegmentCutsATornTailAndAppendsAfterIt(String scheme) throws Exception {
    CheckpointStorage storage = open(scheme);
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

  @ParameterizedTest
  @MethodSource("schemes")
  void aRunnerGetsAUriOfItsOwnInsideTheLocation(String scheme) throws Exception {
    CheckpointStorage storage = open(scheme);
    URI state = URI.create(storage.runnerUri("state"));
    assertTrue(state.isAbsolute(), "a URI with a scheme a runner's filesystem resolves: " + state);
    assertTrue(state.getPath().endsWith("/location/state") || state.getPath().endsWith("/location/state/"), state.toString());
  }

  @org.junit.jupiter.api.Test
  void aSchemeWithoutAStorageIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Storages.forLocation("gs://bucket/ckpt"));
    assertEquals("Checkpoint location gs://bucket/ckpt: no storage for gs:// is available in this build (it has plain"
        + " paths and file://). Use a local directory or file:// URI.", e.getMessage());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
