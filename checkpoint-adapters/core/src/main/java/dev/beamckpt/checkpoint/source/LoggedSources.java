package dev.beamckpt.checkpoint.source;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.runners.TransformHierarchy;

/** Finds a pipeline's sources, and which of them keep a receive log. */
public final class LoggedSources {
  private LoggedSources() {}

  /** The pipeline's logged sources; fails on duplicate ids or unbounded sources that cannot replay. */
  public static List<LoggedSource> in(Pipeline pipeline) {
    List<LoggedSource> logged = new ArrayList<>();
    List<String> others = new ArrayList<>();
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (node.getTransform() instanceof Read.Unbounded<?> read) {
              visit(read, node);
              return CompositeBehavior.DO_NOT_ENTER_TRANSFORM;
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            if (node.getTransform() instanceof Read.Unbounded<?> read) {
              visit(read, node);
            }
          }

          private void visit(Read.Unbounded<?> read, TransformHierarchy.Node node) {
            if (read.getSource() instanceof LoggedSource ls) {
              logged.add(ls);
            } else {
              others.add(node.getFullName() + " (" + read.getSource().getClass().getSimpleName() + ")");
            }
          }
        });
    if (!others.isEmpty()) {
      throw new IllegalArgumentException("This query reads unbounded sources that keep no receive log and cannot be"
          + " replayed after a restart: " + others + ". Read streams with SocketIO (or another LoggedSource).");
    }
    Set<String> ids = new HashSet<>();
    for (LoggedSource s : logged) {
      if (!ids.add(s.sourceId())) {
        throw new IllegalArgumentException("Two sources share the id '" + s.sourceId() + "', so they would share"
            + " sources/" + s.sourceId() + " in the checkpoint location: give each a distinct id (withSourceId).");
      }
    }
    return logged;
  }
}
