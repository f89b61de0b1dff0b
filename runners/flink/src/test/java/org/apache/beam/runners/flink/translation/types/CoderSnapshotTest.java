package org.apache.beam.runners.flink.translation.types;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** Both snapshot formats of a {@link CoderTypeSerializer}: Beam's (version 1) and this copy's. */
class CoderSnapshotTest {
  private static final KvCoder<String, Long> CODER = KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of());

  /** A job's options; a cluster job's list the jars it stages (a word count's JSON was 4.7 KB). */
  private static SerializablePipelineOptions jobOptions(boolean fasterCopy, int jars) {
    FlinkPipelineOptions options = PipelineOptionsFactory.fromArgs("--jobName=wordcount-0123", "--parallelism=2",
        "--checkpointingInterval=1000", "--stateBackendStoragePath=file:///tmp/location/state",
        "--filesToStage=" + String.join(",", IntStream.range(0, jars).mapToObj(i -> "/lib/dependency-" + i + ".jar").toList()))
        .as(FlinkPipelineOptions.class);
    options.setFasterCopy(fasterCopy);
    return new SerializablePipelineOptions(options);
  }

  private static byte[] write(TypeSerializer<?> serializer) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
    return out.getCopyOfBuffer();
  }

  @SuppressWarnings("unchecked")
  private static <T> TypeSerializer<T> read(byte[] bytes) throws IOException {
    TypeSerializerSnapshot<T> snapshot = TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(bytes), CoderSnapshotTest.class.getClassLoader());
    return snapshot.restoreSerializer();
  }

  /** What Beam 2.62.0's class writes: its name, version 1, the Java-serialized serializer. */
  private static byte[] beamsFormat(CoderTypeSerializer<?> serializer) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    out.writeUTF(UnversionedTypeSerializerSnapshot.class.getName());
    out.writeInt(1);
    byte[] whole = SerializableUtils.serializeToByteArray(serializer);
    out.writeInt(whole.length);
    out.write(whole);
    return out.getCopyOfBuffer();
  }

  @Test
  void aSnapshotHoldsTheCoderAndCopyModeButNotTheOptions() throws IOException {
    for (boolean fasterCopy : List.of(false, true)) {
      CoderTypeSerializer<KV<String, Long>> serializer = new CoderTypeSerializer<>(CODER, jobOptions(fasterCopy, 1));
      CoderTypeSerializer<KV<String, Long>> staging = new CoderTypeSerializer<>(CODER, jobOptions(fasterCopy, 200));
      byte[] ours = write(serializer);
      assertEquals(ours.length, write(staging).length, "the options are not in it");
      int beams = beamsFormat(staging).length;
      assertTrue(ours.length * 3 < beams, "version 2 is " + ours.length + " bytes, Beam's " + beams);

      TypeSerializer<KV<String, Long>> restored = read(ours);
      assertEquals(serializer, restored, "the same coder");
      DataOutputSerializer value = new DataOutputSerializer(16);
      restored.serialize(KV.of("word", 42L), value);
      assertEquals(KV.of("word", 42L), serializer.deserialize(new DataInputDeserializer(value.getCopyOfBuffer())));
      KV<String, Long> row = KV.of("spark", 7L);
      if (fasterCopy) {
        assertSame(row, restored.copy(row), "faster copy hands the element on");
      } else {
        assertNotSame(row, restored.copy(row), "without faster copy a copy is a clone");
        assertEquals(row, restored.copy(row));
      }
      assertEquals(ours.length, write(restored).length, "a restored serializer snapshots the same way");
    }
  }

  @Test
  void snapshotsInBeamsFormatStillRestore() throws IOException {
    CoderTypeSerializer<KV<String, Long>> serializer = new CoderTypeSerializer<>(CODER, jobOptions(false, 3));
    TypeSerializer<KV<String, Long>> restored = read(beamsFormat(serializer));
    assertEquals(serializer, restored);
    DataOutputSerializer value = new DataOutputSerializer(16);
    restored.serialize(KV.of("hello", 3L), value);
    assertEquals(KV.of("hello", 3L), restored.deserialize(new DataInputDeserializer(value.getCopyOfBuffer())));
  }
}
