package dev.beamckpt.pipelines;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Beam's option parser reports a bad value as Jackson's words and a repeated option as Guava's,
 * without naming the option. This names it, from the command line the user typed.
 */
final class OptionErrors {
  private static final Pattern BAD_VALUE =
      Pattern.compile("Cannot deserialize value of type `(?:[\\w.]+\\.)?(\\w+)` from String \"(.*?)\"");
  private static final Pattern REPEATED = Pattern.compile("expected one element but was: <(.*)>");
  private static final Pattern UNKNOWN = Pattern.compile("missing a property named '(\\w+)'");
  private static final Pattern RUNNER = Pattern.compile("Unknown 'runner' specified '(.*?)', supported pipeline runners \\[(.*)\\]");

  private OptionErrors() {}

  /** A message naming the option behind {@code e}, or e's own message if it cannot be traced to one. */
  static String explain(String[] args, IllegalArgumentException e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    Matcher bad = BAD_VALUE.matcher(message);
    if (bad.find()) {
      String type = bad.group(1);
      String value = bad.group(2);
      for (Map.Entry<String, List<String>> option : given(args).entrySet()) {
        if (option.getValue().contains(value)) {
          return "--" + option.getKey() + "=" + value + " is not valid: it takes " + expected(type) + ".";
        }
      }
    }
    if (REPEATED.matcher(message).find()) {
      for (Map.Entry<String, List<String>> option : given(args).entrySet()) {
        if (option.getValue().size() > 1) {
          return "--" + option.getKey() + " is given " + option.getValue().size() + " times (" + String.join(", ",
              option.getValue()) + "): give it once.";
        }
      }
    }
    Matcher unknown = UNKNOWN.matcher(message);
    if (unknown.find()) {
      return "--" + unknown.group(1) + " is not an option of this query (a typo? option names are case-sensitive): the"
          + " options are listed in the README, section Options.";
    }
    Matcher runner = RUNNER.matcher(message);
    if (runner.find()) {
      String known = String.join(", ", java.util.Arrays.stream(runner.group(2).split(",\\s*"))
          .filter(r -> !r.startsWith("Test")).toList());
      return "--runner=" + runner.group(1) + " is not a runner here: use " + known + ", or DataflowRunner (bin/ scripts"
          + " add it to the class path when it is asked for).";
    }
    return message.lines().findFirst().orElse(message);
  }

  private static String expected(String type) {
    return switch (type) {
      case "Integer", "Long", "int", "long" -> "a whole number";
      case "Boolean", "boolean" -> "true or false";
      case "Double", "double" -> "a number";
      default -> "a value of type " + type;
    };
  }

  /** The --name=value options on the command line, each with every value it was given. */
  private static Map<String, List<String>> given(String[] args) {
    Map<String, List<String>> options = new LinkedHashMap<>();
    for (String arg : args) {
      if (arg.startsWith("--")) {
        int eq = arg.indexOf('=');
        String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
        options.computeIfAbsent(name, n -> new ArrayList<>()).add(eq < 0 ? "true" : arg.substring(eq + 1));
      }
    }
    return options;
  }
}
