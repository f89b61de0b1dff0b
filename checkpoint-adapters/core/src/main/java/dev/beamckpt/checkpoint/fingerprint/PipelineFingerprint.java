package dev.beamckpt.checkpoint.fingerprint;

import dev.beamckpt.checkpoint.source.LoggedSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.reflect.DoFnSignature;
import org.apache.beam.sdk.transforms.reflect.DoFnSignatures;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.SlidingWindows;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PValue;

/**
 * What a checkpoint's state depends on: the sources and the stateful steps (GroupByKey, Combine,
 * stateful ParDo) with their coders and windowing. Step names, stateless steps and sinks are left
 * out, so a filter, a projection or a new sink keeps the fingerprint, as Spark allows such changes
 * between restarts.
 */
public final class PipelineFingerprint {
  private final List<String> steps;
  private final List<String> names;
  private final String hash;

  private PipelineFingerprint(List<String> steps, List<String> names) {
    this.steps = List.copyOf(steps);
    this.names = List.copyOf(names);
    this.hash = hashOf(steps);
  }

  /** How a source's step begins; every other step keeps state. */
  private static final String SOURCE = "source ";

  /** Whether a query with these steps keeps state, or only reads sources (a filter, a projection). */
  public static boolean keepsState(List<String> steps) {
    return steps.stream().anyMatch(step -> !step.startsWith(SOURCE));
  }

  public static PipelineFingerprint of(List<String> steps) {
    return new PipelineFingerprint(steps, List.of());
  }

  public static PipelineFingerprint of(Pipeline pipeline) {
    List<String> steps = new ArrayList<>();
    List<String> names = new ArrayList<>();
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          private void add(TransformHierarchy.Node node, String step) {
            steps.add(step);
            names.add(node.getFullName());
          }

          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            PTransform<?, ?> t = node.getTransform();
            if (t instanceof ResultStep) {
              return CompositeBehavior.DO_NOT_ENTER_TRANSFORM;
            }
            if (t instanceof Combine.PerKey<?, ?, ?> perKey) {
              add(node, "Combine.perKey(" + perKey.getFn().getClass().getName() + ") on " + input(node));
              return CompositeBehavior.DO_NOT_ENTER_TRANSFORM;
            }
            if (t instanceof Combine.Globally<?, ?> globally) {
              add(node, "Combine.globally(" + globally.getFn().getClass().getName() + ") on " + input(node));
              return CompositeBehavior.DO_NOT_ENTER_TRANSFORM;
            }
            if (t instanceof Read.Unbounded<?> read) {
              add(node, SOURCE + sourceName(read.getSource()));
              return CompositeBehavior.DO_NOT_ENTER_TRANSFORM;
            }
            if (t instanceof Read.Bounded<?> read) {
              add(node, SOURCE + read.getSource().getClass().getName());
              return CompositeBehavior.DO_NOT_ENTER_TRANSFORM;
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            PTransform<?, ?> t = node.getTransform();
            if (t instanceof GroupByKey<?, ?>) {
              add(node, "GroupByKey on " + input(node));
            } else if (t instanceof Read.Unbounded<?> read) {
              add(node, SOURCE + sourceName(read.getSource()));
            } else if (t instanceof ParDo.MultiOutput<?, ?> parDo) {
              DoFn<?, ?> fn = parDo.getFn();
              DoFnSignature sig = DoFnSignatures.getSignature(fn.getClass());
              if (!sig.stateDeclarations().isEmpty() || !sig.timerDeclarations().isEmpty()) {
                add(node, "stateful ParDo(" + fn.getClass().getName() + ", state " + sig.stateDeclarations().keySet()
                    + ", timers " + sig.timerDeclarations().keySet() + ") on " + input(node));
              }
            }
          }
        });
    return new PipelineFingerprint(steps, names);
  }

  private static String sourceName(Object source) {
    return source instanceof LoggedSource ls ? ls.fingerprintName() : source.getClass().getName();
  }

  private static String input(TransformHierarchy.Node node) {
    for (PValue v : node.getInputs().values()) {
      if (v instanceof PCollection<?> pc) {
        return pc.getCoder() + " in " + windowing(pc.getWindowingStrategy().getWindowFn());
      }
    }
    return "no input";
  }

  private static String windowing(WindowFn<?, ?> fn) {
    if (fn instanceof FixedWindows f) {
      return "FixedWindows(" + f.getSize() + ", offset " + f.getOffset() + ")";
    }
    if (fn instanceof SlidingWindows s) {
      return "SlidingWindows(" + s.getSize() + " every " + s.getPeriod() + ", offset " + s.getOffset() + ")";
    }
    if (fn instanceof Sessions s) {
      return "Sessions(gap " + s.getGapDuration() + ")";
    }
    return fn.getClass().getSimpleName();
  }

  /** The fingerprint of these step descriptions, as {@code metadata} records it. */
  public static String hashOf(List<String> steps) {
    return sha256(String.join("\n", steps));
  }

  private static String sha256(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public List<String> steps() {
    return steps;
  }

  /**
   * The full name of each step's transform ("CountWords/Combine.perKey(Count)"), in the order of
   * {@link #steps()}: not part of the fingerprint (a rename keeps the state's layout), but a
   * runner that finds state by step name (Dataflow) needs a rename mapped. Empty for a fingerprint
   * made from recorded steps.
   */
  public List<String> stepNames() {
    return names;
  }

  public String hash() {
    return hash;
  }
}
