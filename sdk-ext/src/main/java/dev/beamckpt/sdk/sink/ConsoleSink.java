package dev.beamckpt.sdk.sink;

import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.table.TableRow;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints each batch as Spark's console sink does: a "Batch: N" banner and the rows as a table,
 * the first {@code numRows} (20) of them, cells cut to 20 characters unless truncation is off.
 * At-least-once: a batch interrupted by a crash prints again when it re-runs.
 */
public final class ConsoleSink implements Sink {
  private static final String RULE = "-------------------------------------------";
  /** Null once shipped to a runner's task: there it prints to that process's standard output. */
  private final transient PrintStream out;
  private final int numRows;
  private final boolean truncate;

  private ConsoleSink(PrintStream out, int numRows, boolean truncate) {
    this.out = out;
    this.numRows = numRows;
    this.truncate = truncate;
  }

  public static ConsoleSink create() {
    return new ConsoleSink(System.out, 20, true);
  }

  public ConsoleSink withNumRows(int n) {
    return new ConsoleSink(out, n, truncate);
  }

  public ConsoleSink withTruncate(boolean t) {
    return new ConsoleSink(out, numRows, t);
  }

  public ConsoleSink to(PrintStream stream) {
    return new ConsoleSink(stream, numRows, truncate);
  }

  @Override
  public String description() {
    return "ConsoleSink";
  }

  @Override
  public void addBatch(long batchId, OutputMode mode, List<String> columns, List<TableRow> rows) {
    StringBuilder sb = new StringBuilder();
    sb.append(RULE).append('\n').append("Batch: ").append(batchId).append('\n').append(RULE).append('\n');
    boolean windowed = !rows.isEmpty() && rows.get(0).windowed();
    List<String> header = new ArrayList<>();
    if (windowed) {
      header.add("window");
    }
    header.addAll(columns);
    List<List<String>> cells = new ArrayList<>();
    for (TableRow row : rows.subList(0, Math.min(numRows, rows.size()))) {
      List<String> line = new ArrayList<>();
      if (windowed) {
        line.add(cell(Cells.window(row)));
      }
      Cells.values(row, columns).forEach(v -> line.add(cell(String.valueOf(v))));
      cells.add(line);
    }
    sb.append(table(header, cells, truncate));
    if (rows.size() > numRows) {
      sb.append("only showing top ").append(numRows).append(" row").append(numRows == 1 ? "" : "s").append('\n');
    }
    sb.append('\n');
    PrintStream stream = out != null ? out : System.out;
    synchronized (stream) {
      stream.print(sb);
      stream.flush();
    }
  }

  private String cell(String s) {
    return truncate && s.length() > 20 ? s.substring(0, 17) + "..." : s;
  }

  /**
   * Spark's showString layout: +---+ rules, |cell| rows, columns at least 3 wide; cells right
   * aligned when truncating (Spark's default), left aligned with truncate off.
   */
  static String table(List<String> header, List<List<String>> rows, boolean rightAligned) {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = Math.max(3, header.get(i).length());
      for (List<String> r : rows) {
        widths[i] = Math.max(widths[i], r.get(i).length());
      }
    }
    StringBuilder rule = new StringBuilder("+");
    for (int w : widths) {
      rule.append("-".repeat(w)).append('+');
    }
    rule.append('\n');
    StringBuilder sb = new StringBuilder(rule);
    appendRow(sb, header, widths, rightAligned);
    sb.append(rule);
    for (List<String> r : rows) {
      appendRow(sb, r, widths, rightAligned);
    }
    sb.append(rule);
    return sb.toString();
  }

  private static void appendRow(StringBuilder sb, List<String> cells, int[] widths, boolean rightAligned) {
    sb.append('|');
    for (int i = 0; i < widths.length; i++) {
      String c = cells.get(i);
      String pad = " ".repeat(widths[i] - c.length());
      sb.append(rightAligned ? pad + c : c + pad).append('|');
    }
    sb.append('\n');
  }
}
