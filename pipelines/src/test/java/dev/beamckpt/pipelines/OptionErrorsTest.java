package dev.beamckpt.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;

/** Beam's own parse errors, as a user's command line produces them, turned into messages naming the option. */
class OptionErrorsTest {

  @Test
  void aValueOfTheWrongTypeNamesTheOption() {
    assertEquals("--port=abc is not valid: it takes a whole number.", explain("--port=abc", "--trigger=1 second"));
    assertEquals("--printProgress=maybe is not valid: it takes true or false.", explain("--printProgress=maybe"));
  }

  @Test
  void aRepeatedOptionNamesTheOptionAndItsValues() {
    assertEquals("--trigger is given 2 times (2 seconds, availableNow): give it once.",
        explain("--trigger=2 seconds", "--trigger=availableNow"));
  }

  @Test
  void anUnknownOptionAndAnUnknownRunnerAreNamed() {
    assertEquals("--noSuchOption is not an option of this query (a typo? option names are case-sensitive): the options"
        + " are listed in the README, section Options.", explain("--noSuchOption=1"));
    String runner = explain("--runner=Nope");
    org.junit.jupiter.api.Assertions.assertTrue(runner.startsWith("--runner=Nope is not a runner here: use DirectRunner,")
        && runner.contains("FlinkRunner") && !runner.contains("TestFlinkRunner"), runner);
  }

  private static String explain(String... args) {
    PipelineOptionsFactory.register(QueryOptions.class);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PipelineOptionsFactory.fromArgs(args).withValidation().as(QueryOptions.class));
    return OptionErrors.explain(args, e);
  }
}
