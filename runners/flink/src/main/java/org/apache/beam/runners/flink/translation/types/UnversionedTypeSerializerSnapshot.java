/*
 * Licensed to the Apache Software Foundation (ASF) under one or more contributor license
 * agreements. This file replaces the class of the same name in Apache Beam 2.62.0's Flink runner
 * (beam-runners-flink-1.19), which is licensed under the Apache License, Version 2.0:
 * http://www.apache.org/licenses/LICENSE-2.0
 */
package org.apache.beam.runners.flink.translation.types;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.util.TemporaryClassLoaderContext;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The snapshot of a {@link CoderTypeSerializer}, which Flink writes into a checkpoint once for
 * every registered state of every operator, empty ones included.
 *
 * <p><b>This project's copy of Beam 2.62.0's class</b> (same name), carried in runners-flink.
 * Beam's version 1 Java-serializes the whole serializer, and with it the job's pipeline options
 * as JSON (4.7 KB for a word count): 69 snapshots made 182 KB of a 270 KB checkpoint at 1,000
 * words. Version 2 keeps what restoring needs: the coder and the serializer's copy mode. A
 * restored serializer only reads the state back until the job registers its own, so it carries
 * options holding just that mode. Version 1 snapshots (Beam's, or this project's before) still
 * restore; Beam's own class cannot read version 2, which is why {@code PatchedRunnerClasses}
 * refuses a class path that loads Beam's first. {@code CoderSnapshotTest} pins both formats.
 */
@SuppressWarnings({"rawtypes", "unchecked", "nullness"})
public class UnversionedTypeSerializerSnapshot<T> implements TypeSerializerSnapshot<T> {

  /** Read by {@code dev.beamckpt.runners.flink.PatchedRunnerClasses} to see this copy loaded. */
  public static final String PATCH = "beam-checkpoint-location: a snapshot holds the coder, not the options";

  private static final int CODER_ONLY = 2;
  private static final VarHandle CODER = field("coder", Coder.class);
  private static final VarHandle FASTER_COPY = field("fasterCopy", boolean.class);

  private @Nullable CoderTypeSerializer<T> serializer;

  /** Needs to be public for Flink to instantiate it before reading. */
  public UnversionedTypeSerializerSnapshot() {
    this(null);
  }

  public UnversionedTypeSerializerSnapshot(CoderTypeSerializer<T> serializer) {
    this.serializer = serializer;
  }

  @Override
  public int getCurrentVersion() {
    return CODER_ONLY;
  }

  @Override
  public void writeSnapshot(DataOutputView out) throws IOException {
    out.writeBoolean((boolean) FASTER_COPY.get(serializer));
    byte[] coder = SerializableUtils.serializeToByteArray((Coder<?>) CODER.get(serializer));
    out.writeInt(coder.length);
    out.write(coder);
  }

  @Override
  public void readSnapshot(int version, DataInputView in, ClassLoader classLoader) throws IOException {
    try (TemporaryClassLoaderContext context = TemporaryClassLoaderContext.of(classLoader)) {
      if (version == CODER_ONLY) {
        boolean fasterCopy = in.readBoolean();
        Coder<T> coder = (Coder<T>) SerializableUtils.deserializeFromByteArray(readBytes(in), "a state's coder");
        this.serializer = new CoderTypeSerializer<>(coder, RestoredOptions.of(fasterCopy));
      } else {
        this.serializer = (CoderTypeSerializer<T>) SerializableUtils.deserializeFromByteArray(
            readBytes(in), CoderTypeSerializer.class.getName());
      }
    }
  }

  private static byte[] readBytes(DataInputView in) throws IOException {
    byte[] bytes = new byte[in.readInt()];
    in.readFully(bytes);
    return bytes;
  }

  @Override
  public TypeSerializer<T> restoreSerializer() {
    return serializer;
  }

  @Override
  public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializer<T> newSerializer) {
    return TypeSerializerSchemaCompatibility.compatibleAsIs();
  }

  private static VarHandle field(String name, Class<?> type) {
    try {
      return MethodHandles.privateLookupIn(CoderTypeSerializer.class, MethodHandles.lookup())
          .findVarHandle(CoderTypeSerializer.class, name, type);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("CoderTypeSerializer has no field " + name + " of type " + type
          + ": this copy of UnversionedTypeSerializerSnapshot fits Beam 2.62.0's Flink runner only", e);
    }
  }

  /** Options carrying only the copy mode, built once per mode. */
  private static final class RestoredOptions {
    private static final SerializablePipelineOptions COPYING = build(false);
    private static final SerializablePipelineOptions FASTER = build(true);

    static SerializablePipelineOptions of(boolean fasterCopy) {
      return fasterCopy ? FASTER : COPYING;
    }

    private static SerializablePipelineOptions build(boolean fasterCopy) {
      FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
      options.setFasterCopy(fasterCopy);
      return new SerializablePipelineOptions(options);
    }
  }
}
