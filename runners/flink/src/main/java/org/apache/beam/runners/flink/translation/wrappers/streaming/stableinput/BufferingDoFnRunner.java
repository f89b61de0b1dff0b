/*
 * Licensed to the Apache Software Foundation (ASF) under one or more contributor license
 * agreements. This file replaces the class of the same name in Apache Beam 2.62.0's Flink runner
 * (beam-runners-flink-1.19), which is licensed under the Apache License, Version 2.0:
 * http://www.apache.org/licenses/LICENSE-2.0
 */
package org.apache.beam.runners.flink.translation.wrappers.streaming.stableinput;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.beam.runners.core.DoFnRunner;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.runners.flink.translation.types.CoderTypeSerializer;
import org.apache.beam.runners.flink.translation.utils.Locker;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.WindowedValue;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.OperatorStateBackend;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * The buffer behind {@link DoFn.RequiresStableInput} on Flink: elements and timers are held in
 * Flink state per checkpoint and handed to the DoFn only once that checkpoint completed.
 *
 * <p><b>This project's copy of Beam 2.62.0's class</b> (same name, same API, same state names, so
 * checkpoints taken by either restore in the other), carried in runners-flink until a Beam
 * release this registry serves fixes it. Beam's class rotates through {@code
 * numConcurrentCheckpoints + 1} buffers, assuming the buffer it rotates into was released.
 * Two cases break that: a restored job, whose restored checkpoint's buffer stays pending until
 * the first new checkpoint completes, and a checkpoint whose completion notice arrives after the
 * next barrier (Flink does not order the two). The next buffer is then one a pending checkpoint
 * holds: elements that arrived after a barrier are released with the earlier checkpoint, before
 * their own completed and ahead of older ones, so a crash after that loses or repeats them.
 * Here a new buffer is always one no pending checkpoint holds (the lowest free index). {@code
 * StableInputBufferTest} shows both cases, against this class and against Beam's.
 */
@SuppressWarnings({"rawtypes", "unchecked", "nullness"})
public class BufferingDoFnRunner<InputT, OutputT> implements DoFnRunner<InputT, OutputT> {

  /** Read by {@code dev.beamckpt.runners.flink.PatchedRunnerClasses} to see this copy loaded. */
  public static final String PATCH = "beam-checkpoint-location: a new buffer is never a pending one";

  public static <InputT, OutputT> BufferingDoFnRunner<InputT, OutputT> create(
      DoFnRunner<InputT, OutputT> doFnRunner,
      String stateName,
      org.apache.beam.sdk.coders.Coder windowedInputCoder,
      org.apache.beam.sdk.coders.Coder windowCoder,
      OperatorStateBackend operatorStateBackend,
      @Nullable KeyedStateBackend<Object> keyedStateBackend,
      int maxConcurrentCheckpoints,
      SerializablePipelineOptions pipelineOptions)
      throws Exception {
    return create(doFnRunner, stateName, windowedInputCoder, windowCoder, operatorStateBackend,
        keyedStateBackend, maxConcurrentCheckpoints, pipelineOptions, null, null, null);
  }

  public static <InputT, OutputT> BufferingDoFnRunner<InputT, OutputT> create(
      DoFnRunner<InputT, OutputT> doFnRunner,
      String stateName,
      org.apache.beam.sdk.coders.Coder windowedInputCoder,
      org.apache.beam.sdk.coders.Coder windowCoder,
      OperatorStateBackend operatorStateBackend,
      @Nullable KeyedStateBackend<Object> keyedStateBackend,
      int maxConcurrentCheckpoints,
      SerializablePipelineOptions pipelineOptions,
      @Nullable Supplier<Locker> locker,
      @Nullable Function<InputT, Object> keySelector,
      @Nullable Runnable finishBundleCallback)
      throws Exception {
    if (maxConcurrentCheckpoints <= 0 || maxConcurrentCheckpoints >= Short.MAX_VALUE) {
      throw new IllegalArgumentException("Maximum number of concurrent checkpoints not within the bounds of 0 and "
          + Short.MAX_VALUE);
    }
    if (keySelector != null && keyedStateBackend == null) {
      throw new IllegalArgumentException("keySelector must be null for null keyed state backend");
    }
    return new BufferingDoFnRunner<>(doFnRunner, stateName, windowedInputCoder, windowCoder, operatorStateBackend,
        pipelineOptions, keyedStateBackend, locker, keyedStateBackend != null ? keySelector : null,
        finishBundleCallback);
  }

  private final DoFnRunner<InputT, OutputT> underlying;
  /** Checkpoints taken and not yet known complete, each with the buffer index it holds. */
  private final ListState<CheckpointIdentifier> notYetAcknowledgedSnapshots;
  private final String stateName;
  private final org.apache.beam.sdk.coders.Coder inputCoder;
  private final org.apache.beam.sdk.coders.Coder windowCoder;
  private final OperatorStateBackend operatorStateBackend;
  private final SerializablePipelineOptions pipelineOptions;
  private final @Nullable KeyedStateBackend keyedStateBackend;
  private final @Nullable Supplier<Locker> locker;
  private final @Nullable Function<InputT, Object> keySelector;
  private final @Nullable Runnable finishBundleCallback;
  /** The buffer new elements go to; no pending checkpoint holds it. */
  int currentStateIndex;
  private BufferingElementsHandler currentBufferingElementsHandler;
  /** Minimum timestamp of what was buffered since the last release. */
  private volatile long minBufferedElementTimestamp = Long.MAX_VALUE;

  private BufferingDoFnRunner(
      DoFnRunner<InputT, OutputT> underlying,
      String stateName,
      org.apache.beam.sdk.coders.Coder inputCoder,
      org.apache.beam.sdk.coders.Coder windowCoder,
      OperatorStateBackend operatorStateBackend,
      SerializablePipelineOptions pipelineOptions,
      @Nullable KeyedStateBackend keyedStateBackend,
      @Nullable Supplier<Locker> locker,
      @Nullable Function<InputT, Object> keySelector,
      @Nullable Runnable finishBundleCallback)
      throws Exception {
    this.underlying = underlying;
    this.stateName = stateName;
    this.inputCoder = inputCoder;
    this.windowCoder = windowCoder;
    this.operatorStateBackend = operatorStateBackend;
    this.pipelineOptions = pipelineOptions;
    this.keyedStateBackend = keyedStateBackend;
    this.locker = locker;
    this.keySelector = keySelector;
    this.finishBundleCallback = finishBundleCallback;
    this.notYetAcknowledgedSnapshots = operatorStateBackend.getUnionListState(
        new ListStateDescriptor<>("notYetAcknowledgedSnapshots", CheckpointIdentifier.class));
    this.currentStateIndex = freeIndex();
    this.currentBufferingElementsHandler = handler(currentStateIndex);
  }

  /** The buffer with the given index, in the state Beam's class names it by. */
  private BufferingElementsHandler handler(int index) throws Exception {
    ListStateDescriptor<BufferedElement> descriptor = new ListStateDescriptor<>(stateName + index,
        new CoderTypeSerializer<>(new BufferedElements.Coder(inputCoder, windowCoder, null), pipelineOptions));
    return keyedStateBackend != null
        ? KeyedBufferingElementsHandler.create(keyedStateBackend, descriptor)
        : NonKeyedBufferingElementsHandler.create(operatorStateBackend.getListState(descriptor));
  }

  /** The lowest buffer index no pending checkpoint holds. */
  private int freeIndex() throws Exception {
    Set<Integer> held = new HashSet<>();
    for (CheckpointIdentifier pending : notYetAcknowledgedSnapshots.get()) {
      held.add(pending.internalId);
    }
    int index = 0;
    while (held.contains(index)) {
      index++;
    }
    return index;
  }

  @Override
  public void startBundle() {
    // A bundle of the DoFn starts when buffered elements are released.
  }

  @Override
  public void processElement(WindowedValue<InputT> elem) {
    minBufferedElementTimestamp = Math.min(elem.getTimestamp().getMillis(), minBufferedElementTimestamp);
    try (Locker lock = locker != null ? locker.get() : null) {
      if (keySelector != null) {
        keyedStateBackend.setCurrentKey(keySelector.apply(elem.getValue()));
      }
      currentBufferingElementsHandler.buffer(new BufferedElements.Element(elem));
    }
  }

  @Override
  public <KeyT> void onTimer(String timerId, String timerFamilyId, KeyT key, BoundedWindow window,
      Instant timestamp, Instant outputTimestamp, TimeDomain timeDomain) {
    minBufferedElementTimestamp = Math.min(outputTimestamp.getMillis(), minBufferedElementTimestamp);
    try (Locker lock = locker != null ? locker.get() : null) {
      if (keySelector != null) {
        keyedStateBackend.setCurrentKey(key);
      }
      currentBufferingElementsHandler.buffer(
          new BufferedElements.Timer<>(timerId, timerFamilyId, key, window, timestamp, outputTimestamp, timeDomain));
    }
  }

  @Override
  public void finishBundle() {
    if (finishBundleCallback != null) {
      finishBundleCallback.run();
    }
  }

  @Override
  public <KeyT> void onWindowExpiration(BoundedWindow window, Instant timestamp, KeyT key) {}

  @Override
  public DoFn<InputT, OutputT> getFn() {
    return underlying.getFn();
  }

  /** A checkpoint is being taken: what was buffered so far waits for it; new elements go to a free buffer. */
  public void checkpoint(long checkpointId) throws Exception {
    notYetAcknowledgedSnapshots.add(new CheckpointIdentifier(currentStateIndex, checkpointId));
    currentStateIndex = freeIndex();
    currentBufferingElementsHandler = handler(currentStateIndex);
  }

  /** A checkpoint completed: it and every earlier pending one release their buffers, oldest first. */
  public void checkpointCompleted(long checkpointId) throws Exception {
    List<CheckpointIdentifier> released = new ArrayList<>();
    List<CheckpointIdentifier> remaining = new ArrayList<>();
    for (CheckpointIdentifier pending : notYetAcknowledgedSnapshots.get()) {
      (pending.checkpointId <= checkpointId ? released : remaining).add(pending);
    }
    notYetAcknowledgedSnapshots.update(remaining);
    released.sort(Comparator.comparingLong(c -> c.checkpointId));
    for (CheckpointIdentifier checkpoint : released) {
      BufferingElementsHandler buffer = handler(checkpoint.internalId);
      try (Locker lock = locker != null ? locker.get() : null) {
        Iterator<BufferedElement> elements = buffer.getElements().iterator();
        if (elements.hasNext()) {
          underlying.startBundle();
          while (elements.hasNext()) {
            elements.next().processWith(underlying);
          }
          underlying.finishBundle();
        }
        buffer.clear();
      }
    }
    minBufferedElementTimestamp = Long.MAX_VALUE;
  }

  public long getOutputWatermarkHold() {
    return minBufferedElementTimestamp;
  }

  /** A pending checkpoint and the buffer it holds (fields as in Beam's class: state compatible). */
  static class CheckpointIdentifier {
    final int internalId;
    final long checkpointId;

    CheckpointIdentifier(int internalId, long checkpointId) {
      this.internalId = internalId;
      this.checkpointId = checkpointId;
    }
  }
}
