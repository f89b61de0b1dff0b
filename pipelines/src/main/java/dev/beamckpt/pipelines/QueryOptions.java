package dev.beamckpt.pipelines;

import dev.beamckpt.sdk.StreamingQueryOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Options shared by the example queries (Beam's --name=value form). */
public interface QueryOptions extends StreamingQueryOptions {

  @Description("Host of the line server to read from.")
  @Default.String("localhost")
  String getHost();

  void setHost(String value);

  @Description("Port of the line server (e.g. nc -lk 9999). Without it, standard input is served by an embedded line server.")
  Integer getPort();

  void setPort(Integer value);

  @Description("Read this Pub/Sub subscription (projects/<project>/subscriptions/<name>) instead of a line server."
      + " An emulator: --pubsubRootUrl=http://localhost:8085 or $PUBSUB_EMULATOR_HOST.")
  String getSubscription();

  void setSubscription(String value);

  @Description("Read this Pub/Sub topic (projects/<project>/topics/<name>) through a subscription the query creates"
      + " at its first start and keeps in its checkpoint location, so messages published while it is stopped are read"
      + " when it restarts.")
  String getTopic();

  void setTopic(String value);

  @Description("console, memory or files.")
  @Default.String("console")
  String getSink();

  void setSink(String value);

  @Description("Directory for --sink=files.")
  String getOutput();

  void setOutput(String value);

  @Description("json or avro, for --sink=files.")
  @Default.String("json")
  String getFileFormat();

  void setFileFormat(String value);

  @Description("How far the watermark trails the latest ingestion time, e.g. \"10 seconds\".")
  @Default.String("0 seconds")
  String getWatermarkDelay();

  void setWatermarkDelay(String value);

  @Description("Print each batch's progress (Spark's StreamingQueryProgress) as JSON to standard error.")
  @Default.Boolean(false)
  boolean getPrintProgress();

  void setPrintProgress(boolean value);
}
