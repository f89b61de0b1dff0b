package org.apache.beam.runners.flink.translation.wrappers.streaming.stableinput;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import dev.beamckpt.runners.flink.PatchedRunnerClasses;
import org.apache.beam.runners.core.DoFnRunner;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.translation.wrappers.streaming.DoFnOperator;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.util.WindowedValue;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.runtime.state.DefaultOperatorStateBackendBuilder;
import org.apache.flink.runtime.state.OperatorStateBackend;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The stable-input buffer releases what a checkpoint holds, and only that, once it completed: after
 * a restore whose checkpoint's buffer is still pending, and when a completion notice arrives after
 * the next barrier. This project's copy of the class passes; Beam 2.62.0's own class (loaded from
 * its jar) releases elements that arrived after a barrier early, which this test pins: when it
 * stops doing so, the copy in runners-flink can go.
 */
class StableInputBufferTest {

  @Test
  void theProjectsCopyIsTheOneLoaded() {
    PatchedRunnerClasses.verify();
  }

  @Test
  void afterARestoreNewElementsWaitForTheirOwnCheckpoint() throws Exception {
    assertEquals(List.of(List.of("restored"), List.of("a"), List.of("b")),
        restoreScenario(BufferingDoFnRunner.class));
  }

  @Test
  void aLateCompletionNoticeReleasesOnlyItsCheckpoint() throws Exception {
    assertEquals(List.of(List.of("x"), List.of("y"), List.of("z")), lateNoticeScenario(BufferingDoFnRunner.class));
  }

  @Test
  void beamsOwnClassReleasesElementsBeforeTheirCheckpointCompleted() throws Exception {
    Class<?> beams = beamsOwnClass();
    // "b" arrived after barrier 6 and is released when 6 completes, ahead of "a" which 6 holds.
    assertEquals(List.of(List.of("restored", "b"), List.of("a")), restoreScenario(beams));
    // "z" arrived after barrier 2 and is released when 1 completes.
    assertEquals(List.of(List.of("x", "z"), List.of("y")), lateNoticeScenario(beams));
  }

  /** Checkpoint 5 holds "restored" and was not notified when the job died; the job restores from it. */
  private static List<List<String>> restoreScenario(Class<?> runnerClass) throws Exception {
    OperatorStateBackend state = stateBackend();
    Recorder before = new Recorder();
    Buffer died = new Buffer(runnerClass, state, before);
    died.element("restored");
    died.checkpoint(5);

    Recorder after = new Recorder();
    Buffer restored = new Buffer(runnerClass, state, after);
    restored.element("a");
    restored.checkpoint(6);
    restored.element("b");
    restored.completed(6);
    restored.checkpoint(7);
    restored.completed(7);
    assertEquals(List.of(), before.bundles);
    return after.bundles;
  }

  /** Checkpoint 1's completion is noticed after checkpoint 2's barrier. */
  private static List<List<String>> lateNoticeScenario(Class<?> runnerClass) throws Exception {
    Recorder released = new Recorder();
    Buffer buffer = new Buffer(runnerClass, stateBackend(), released);
    buffer.element("x");
    buffer.checkpoint(1);
    buffer.element("y");
    buffer.checkpoint(2);
    buffer.element("z");
    buffer.completed(1);
    buffer.completed(2);
    buffer.checkpoint(3);
    buffer.completed(3);
    return released.bundles;
  }

  private static OperatorStateBackend stateBackend() throws Exception {
    return new DefaultOperatorStateBackendBuilder(StableInputBufferTest.class.getClassLoader(), new ExecutionConfig(),
        false, List.of(), new CloseableRegistry()).build();
  }

  /** Beam 2.62.0's class from its jar, in a loader of its own for the stable-input package. */
  private static Class<?> beamsOwnClass() throws Exception {
    URL beamJar = DoFnOperator.class.getProtectionDomain().getCodeSource().getLocation();
    String pkg = BufferingDoFnRunner.class.getPackageName() + ".";
    ClassLoader loader = new URLClassLoader(new URL[] {beamJar}, StableInputBufferTest.class.getClassLoader()) {
      @Override
      protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!name.startsWith(pkg)) {
          return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
          Class<?> c = findLoadedClass(name);
          return c != null ? c : findClass(name);
        }
      }
    };
    Class<?> beams = loader.loadClass(BufferingDoFnRunner.class.getName());
    assertEquals(List.of(), List.of(beams.getFields()).stream().filter(f -> f.getName().equals("PATCH")).toList(),
        "not Beam's own class");
    return beams;
  }

  /** A runner class driven through reflection, so Beam's and this project's run the same steps. */
  private static final class Buffer {
    private final Object runner;
    private final Method processElement;
    private final Method checkpoint;
    private final Method completed;

    Buffer(Class<?> runnerClass, OperatorStateBackend state, Recorder underlying) throws Exception {
      Method create = runnerClass.getMethod("create", DoFnRunner.class, String.class,
          org.apache.beam.sdk.coders.Coder.class, org.apache.beam.sdk.coders.Coder.class, OperatorStateBackend.class,
          org.apache.flink.runtime.state.KeyedStateBackend.class, int.class, SerializablePipelineOptions.class);
      runner = create.invoke(null, underlying, "stable-input-buffer",
          WindowedValue.getFullCoder(StringUtf8Coder.of(), GlobalWindow.Coder.INSTANCE), GlobalWindow.Coder.INSTANCE,
          state, null, 1, new SerializablePipelineOptions(PipelineOptionsFactory.as(FlinkPipelineOptions.class)));
      processElement = runnerClass.getMethod("processElement", WindowedValue.class);
      checkpoint = runnerClass.getMethod("checkpoint", long.class);
      completed = runnerClass.getMethod("checkpointCompleted", long.class);
    }

    void element(String value) throws Exception {
      processElement.invoke(runner, WindowedValue.valueInGlobalWindow(value));
    }

    void checkpoint(long id) throws Exception {
      checkpoint.invoke(runner, id);
    }

    void completed(long id) throws Exception {
      completed.invoke(runner, id);
    }
  }

  /** The DoFn's side: each bundle it was handed. */
  private static final class Recorder implements DoFnRunner<String, Void> {
    final List<List<String>> bundles = new ArrayList<>();

    @Override
    public void startBundle() {
      bundles.add(new ArrayList<>());
    }

    @Override
    public void processElement(WindowedValue<String> elem) {
      bundles.get(bundles.size() - 1).add(elem.getValue());
    }

    @Override
    public <KeyT> void onTimer(String timerId, String timerFamilyId, KeyT key, BoundedWindow window,
        Instant timestamp, Instant outputTimestamp, TimeDomain timeDomain) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void finishBundle() {}

    @Override
    public <KeyT> void onWindowExpiration(BoundedWindow window, Instant timestamp, KeyT key) {}

    @Override
    public DoFn<String, Void> getFn() {
      throw new UnsupportedOperationException();
    }
  }
}
