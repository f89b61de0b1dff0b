package dev.beamckpt.runners.flink;

import java.util.List;
import org.apache.beam.runners.flink.translation.types.UnversionedTypeSerializerSnapshot;
import org.apache.beam.runners.flink.translation.wrappers.streaming.stableinput.BufferingDoFnRunner;

/**
 * Runner classes this module carries in place of Beam 2.62.0's (same name, fixed): they work only
 * if they come before Beam's Flink runner jar on the class path. The job jar leaves Beam's copies
 * out; a class path is checked here before a query is submitted.
 */
public final class PatchedRunnerClasses {
  /** The classes carried in place of Beam's. */
  private static final List<Class<?>> PATCHED = List.of(BufferingDoFnRunner.class, UnversionedTypeSerializerSnapshot.class);

  private PatchedRunnerClasses() {}

  /** The patched classes, for the job jar's shade filter and its test. */
  public static List<Class<?>> classes() {
    return PATCHED;
  }

  /** @throws IllegalStateException naming the jar Beam's own class was loaded from, and the fix */
  public static void verify() {
    for (Class<?> patched : PATCHED) {
      try {
        patched.getField("PATCH"); // reflection: the constant itself would be inlined here
      } catch (NoSuchFieldException e) {
        throw new IllegalStateException("Beam's own " + patched.getSimpleName() + " was loaded (from "
            + patched.getProtectionDomain().getCodeSource().getLocation() + ") instead of the copy in runners-flink,"
            + " which keeps a restored Flink job from losing or repeating output and its checkpoints small: put the"
            + " runners-flink jar ahead of beam-runners-flink-1.19 on the class path (declare dev.beamckpt:runners-flink"
            + " before any dependency that brings Beam's Flink runner)");
      }
    }
  }
}
