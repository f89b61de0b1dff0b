package dev.beamckpt.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG charts of the summary against state size (distinct words, log scale). */
final class Charts {
  private Charts() {}

  static void write(Path out, Plan plan, List<Results.Summary> summary, List<Results.Replay> replay) throws IOException {
    System.setProperty("java.awt.headless", "true");
    chart(out.resolve("throughput.png"), "Sustained throughput (median)", "lines/s", true, plan, summary,
        "linesPerSecond", 1, plan.peers());
    List<Peer> checkpointing = plan.peers().stream().filter(p -> p.checkpoints).toList();
    chart(out.resolve("checkpoint-duration.png"), "Checkpoint / batch commit duration (median)", "ms", true, plan, summary,
        "checkpointMs", 1, checkpointing);
    chart(out.resolve("recovery.png"), "Recovery after SIGKILL: JVM start to first complete output", "seconds", false,
        plan, summary, "recoverySeconds", 1, checkpointing);
    if (!replay.isEmpty()) {
      XYSeries series = new XYSeries(Peer.OURS_DIRECT.label);
      replay.stream().filter(r -> r.recoverySeconds() != null).forEach(r -> series.add(r.logLines(), r.recoverySeconds()));
      save(out.resolve("replay.png"), "Direct runner: recovery against the receive log's length",
          new XYPlot(new XYSeriesCollection(series), new NumberAxis("lines in the receive log"), new NumberAxis("seconds"), renderer()));
    }
  }

  private static void chart(Path file, String title, String unit, boolean logY, Plan plan, List<Results.Summary> summary,
      String figure, double scale, List<Peer> peers) throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Peer peer : peers) {
      XYSeries series = new XYSeries(peer.label);
      for (int size : plan.distinctWords()) {
        Results.Figure f = Report.figure(summary, peer, size, figure);
        if (f != null && f.median() > 0) {
          series.add(size, f.median() / scale);
        }
      }
      if (!series.isEmpty()) {
        data.addSeries(series);
      }
    }
    LogAxis x = new LogAxis("distinct words (state size)");
    x.setBase(10);
    x.setNumberFormatOverride(new java.text.DecimalFormat("#,##0"));
    ValueAxis y = new NumberAxis(unit);
    if (logY) {
      LogAxis log = new LogAxis(unit);
      log.setBase(10);
      log.setNumberFormatOverride(new java.text.DecimalFormat("#,##0.#"));
      y = log;
    }
    save(file, title, new XYPlot(data, x, y, renderer()));
  }

  private static XYLineAndShapeRenderer renderer() {
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < Peer.values().length; i++) {
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    return r;
  }

  private static void save(Path file, String title, XYPlot plot) throws IOException {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 520);
  }

}
