package dev.beamckpt.sdk;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PValue;

/**
 * Whether a query's rows come out of an aggregation, which decides the output modes it allows
 * (Spark's UnsupportedOperationChecker): every Beam aggregation (Count, Combine, GroupByKey)
 * expands to a GroupByKey, so the question is whether one lies upstream of the rows.
 */
final class Aggregations {
  private Aggregations() {}

  /** The full name of a grouping step that {@code rows} depend on, if any. */
  static Optional<String> upstreamOf(PCollection<?> rows) {
    Map<PValue, TransformHierarchy.Node> producers = new HashMap<>();
    rows.getPipeline().traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        node.getOutputs().values().forEach(out -> producers.put(out, node));
      }
    });
    Deque<PValue> pending = new ArrayDeque<>();
    Set<PValue> seen = new HashSet<>();
    pending.add(rows);
    while (!pending.isEmpty()) {
      TransformHierarchy.Node producer = producers.get(pending.poll());
      if (producer == null) {
        continue;
      }
      if (producer.getTransform() instanceof GroupByKey<?, ?>) {
        return Optional.of(producer.getFullName());
      }
      for (PValue input : producer.getInputs().values()) {
        if (seen.add(input)) {
          pending.add(input);
        }
      }
    }
    return Optional.empty();
  }
}
