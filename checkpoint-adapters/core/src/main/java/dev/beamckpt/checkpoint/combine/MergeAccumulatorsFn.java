package dev.beamckpt.checkpoint.combine;

import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.transforms.Combine;

/** The combine after the shuffle: its inputs are partial accumulators, merged with the user's function. */
final class MergeAccumulatorsFn<AccumT, OutputT> extends Combine.CombineFn<AccumT, AccumT, OutputT> {
  private final Combine.CombineFn<?, AccumT, OutputT> fn;
  private final Coder<AccumT> accumulatorCoder;

  MergeAccumulatorsFn(Combine.CombineFn<?, AccumT, OutputT> fn, Coder<AccumT> accumulatorCoder) {
    this.fn = fn;
    this.accumulatorCoder = accumulatorCoder;
  }

  @Override
  public AccumT createAccumulator() {
    return fn.createAccumulator();
  }

  @Override
  public AccumT addInput(AccumT accumulator, AccumT partial) {
    return fn.mergeAccumulators(List.of(accumulator, partial));
  }

  @Override
  public AccumT mergeAccumulators(Iterable<AccumT> accumulators) {
    return fn.mergeAccumulators(accumulators);
  }

  @Override
  public AccumT compact(AccumT accumulator) {
    return fn.compact(accumulator);
  }

  @Override
  public OutputT extractOutput(AccumT accumulator) {
    return fn.extractOutput(accumulator);
  }

  @Override
  public Coder<AccumT> getAccumulatorCoder(CoderRegistry registry, Coder<AccumT> inputCoder) {
    return accumulatorCoder;
  }
}
