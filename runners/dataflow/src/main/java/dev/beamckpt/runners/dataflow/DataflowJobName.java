package dev.beamckpt.runners.dataflow;

import java.util.Locale;

/**
 * The Dataflow job name of a query: the same at every start, because {@code --update} finds the
 * job to replace by name. Dataflow allows lowercase letters, digits and '-', starting with a
 * letter; the query id's first characters keep two queries of the same name apart.
 */
public final class DataflowJobName {
  private DataflowJobName() {}

  public static String of(String queryName, String queryId) {
    String name = queryName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
    if (name.isEmpty() || !Character.isLetter(name.charAt(0))) {
      name = "q-" + name;
    }
    if (name.length() > 60) {
      name = name.substring(0, 60);
    }
    String id = queryId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    return name + "-" + id.substring(0, Math.min(8, id.length()));
  }
}
