package dev.beamckpt.checkpoint.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.log.SourceOffset;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
  @TempDir Path dir;

  private static OffsetSeq offsets(long batch) {
    return new OffsetSeq(batch * 1000, batch * 1000 + 1, List.of(SourceOffset.ofLog("socket-0", batch * 10)));
  }

  private static ByteBuffer key(String k) {
    return ByteBuffer.wrap(k.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] value(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  /** Batches 1..n: batch b sets key "k<b % 7>" to b, as one or two bundles. Returns the expected rows. */
  private static Map<ByteBuffer, byte[]> run(CheckpointStorage storage, StateStore store, int n) throws Exception {
    Map<ByteBuffer, byte[]> expected = new HashMap<>();
    for (long b = store.version() + 1; b <= n; b++) {
      StateChanges.write(storage, 0, Map.of(key("k" + b % 7), value(b - 1)));
      StateChanges.write(storage, 0, Map.of(key("k" + b % 7), value(b), key("b" + b), value(b)));
      store.commit(b, offsets(b));
    }
    for (long b = 1; b <= n; b++) {
      expected.put(key("k" + b % 7), value(b));
      expected.put(key("b" + b), value(b));
    }
    return expected;
  }

  private static void assertRows(Map<ByteBuffer, byte[]> expected, Map<ByteBuffer, byte[]> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    expected.forEach((k, v) -> assertEquals(ByteBuffer.wrap(v), ByteBuffer.wrap(actual.get(k)), "row " + k));
  }

  @Test
  void versionsRestoreFromTheNewestSnapshotAndTheDeltasAfterIt() throws Exception {
    CheckpointStorage storage = LocalStorage.at(dir);
    StateStore store = StateStore.empty(storage, 0, 10);
    Map<ByteBuffer, byte[]> expected = run(storage, store, 25);
    assertTrue(storage.exists("state/0/0/10.snapshot") && storage.exists("state/0/0/20.snapshot"));
    assertFalse(storage.exists("state/0/0/25.snapshot"));
    assertTrue(storage.list("state/0/0/_pending").isEmpty(), "pending changes are folded into the deltas");

    List<String> warnings = new ArrayList<>();
    StateStore loaded = StateStore.load(storage, 0, 25, 10, warnings::add);
    assertEquals(25, loaded.version());
    assertRows(expected, loaded.rows());
    assertEquals(offsets(25), loaded.offsetsOf(25).orElseThrow());
    assertTrue(warnings.isEmpty(), warnings.toString());

    StateStore older = StateStore.load(storage, 0, 13, 10, warnings::add);
    assertEquals(13, older.version(), "an older version loads too, from the snapshot before it");
  }

  @Test
  void retentionKeepsWhatTheRetainedVersionsNeed() throws Exception {
    CheckpointStorage storage = LocalStorage.at(dir);
    StateStore store = StateStore.empty(storage, 0, 10);
    Map<ByteBuffer, byte[]> expected = run(storage, store, 25);
    assertEquals(java.util.OptionalLong.empty(), StateStores.oldestRestorableEnd(storage, "socket-0"),
        "versions 1..9 rebuild from the start: the whole log is needed");
    assertEquals(0, store.retainFrom(15), "snapshot 10 is the newest at or below 15, and none is before it");
    assertEquals(10, store.retainFrom(21), "snapshot 20 serves 21 on, snapshot 10 in case 20 is damaged");
    List<String> kept = new ArrayList<>(List.of("10.delta", "10.snapshot", "20.snapshot", "_pending"));
    for (int v = 11; v <= 25; v++) {
      kept.add(v + ".delta");
    }
    kept.sort(null);
    assertEquals(kept, storage.list("state/0/0"));
    assertRows(expected, StateStore.load(storage, 0, 25, 10, w -> {}).rows());
    assertEquals(java.util.OptionalLong.of(100), StateStores.oldestRestorableEnd(storage, "socket-0"),
        "the receive log is needed from where version 10 ends");
  }

  @Test
  void aDamagedNewestSnapshotFallsBackToTheOneBeforeNamingTheFile() throws Exception {
    CheckpointStorage storage = LocalStorage.at(dir);
    StateStore store = StateStore.empty(storage, 0, 10);
    Map<ByteBuffer, byte[]> expected = run(storage, store, 25);
    Path snapshot = dir.resolve("state/0/0/20.snapshot");
    byte[] bytes = Files.readAllBytes(snapshot);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(snapshot, bytes);

    List<String> warnings = new ArrayList<>();
    StateStore loaded = StateStore.load(storage, 0, 25, 10, warnings::add);
    assertEquals(25, loaded.version(), "snapshot 10 and deltas 11..25 rebuild version 25");
    assertRows(expected, loaded.rows());
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).startsWith("State file " + storage.uri() + "/state/0/0/20.snapshot is unreadable: its"
        + " checksum does not match"), warnings.get(0));
  }

  @Test
  void aTruncatedDeltaEndsTheVersionsBeforeIt() throws Exception {
    CheckpointStorage storage = LocalStorage.at(dir);
    StateStore store = StateStore.empty(storage, 0, 10);
    run(storage, store, 25);
    Path delta = dir.resolve("state/0/0/23.delta");
    Files.write(delta, java.util.Arrays.copyOf(Files.readAllBytes(delta), 20));
    List<String> warnings = new ArrayList<>();
    StateStore loaded = StateStore.load(storage, 0, 25, 10, warnings::add);
    assertEquals(22, loaded.version(), "the batches after 22 are replayed from the receive log");
    assertTrue(warnings.get(0).contains("23.delta is unreadable: its checksum does not match"), warnings.toString());

    // the replay of 23..25 writes them again; a batch after a gap makes a snapshot, so the chain holds
    run(storage, loaded, 25);
    assertEquals(25, StateStore.load(storage, 0, 25, 10, w -> {}).version());
  }

  @Test
  void everyTruncationAndEveryFlippedByteIsRecognised() throws Exception {
    Map<ByteBuffer, byte[]> rows = Map.of(key("hello"), value(2), key("world"), value(1));
    byte[] file = StateFile.encode(StateFile.Kind.DELTA, 7, offsets(7), rows);
    StateFile.Contents contents = StateFile.decode(file);
    assertEquals(7, contents.version());
    assertEquals(offsets(7), contents.offsets());
    assertRows(rows, contents.rows());
    for (int length = 0; length < file.length; length++) {
      byte[] cut = java.util.Arrays.copyOf(file, length);
      assertThrows(StateFile.Damaged.class, () -> StateFile.decode(cut), "truncated to " + length);
    }
    Random random = new Random(42);
    for (int position = 0; position < file.length; position++) {
      byte[] flipped = file.clone();
      flipped[position] ^= (byte) (1 << random.nextInt(8));
      assertThrows(StateFile.Damaged.class, () -> StateFile.decode(flipped), "byte " + position + " flipped");
    }
  }

  @Test
  void storesAtDifferentVersionsLoadAtTheNewestCommonOne() throws Exception {
    CheckpointStorage storage = LocalStorage.at(dir);
    StateStores stores = StateStores.fresh(storage, 2);
    for (long b = 1; b <= 12; b++) {
      StateChanges.write(storage, 0, Map.of(key("a"), value(b)));
      StateChanges.write(storage, 1, Map.of(key("b"), value(b)));
      stores.commit(b, offsets(b));
    }
    Files.delete(dir.resolve("state/1/0/12.delta"));
    StateStores loaded = StateStores.load(storage, 2, 12, w -> {});
    assertEquals(11, loaded.version());
    assertEquals(offsets(11), loaded.offsets().orElseThrow());
    assertEquals(ByteBuffer.wrap(value(11)), ByteBuffer.wrap(loaded.rows().get(0).get(key("a"))));
  }
}
