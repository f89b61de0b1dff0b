package dev.beamckpt.io.pubsub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auth.Credentials;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The four calls of Pub/Sub's REST API v1 a receiver needs (pull, acknowledge, create and delete a
 * subscription) and publish, for tools and tests: JSON over the JDK's HTTP client. Not Beam's
 * {@code PubsubClient}: that lives in beam-sdks-java-io-google-cloud-platform, whose dependencies
 * (BigQuery, Spanner, Bigtable: 160 MB) would ride along in every job jar.
 *
 * <p>Against the emulator ({@code --pubsubRootUrl=http://localhost:8085} or
 * {@code PUBSUB_EMULATOR_HOST}) it sends no credentials, as Google's client libraries do.
 */
final class PubsubClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final String rootUrl;
  private final Credentials credentials;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** @param credentials null for an emulator */
  PubsubClient(String rootUrl, Credentials credentials) {
    this.rootUrl = rootUrl.endsWith("/") ? rootUrl.substring(0, rootUrl.length() - 1) : rootUrl;
    this.credentials = credentials;
  }

  String rootUrl() {
    return rootUrl;
  }

  /** A pulled message: its id (unique per topic), the id to acknowledge it with, and its data. */
  record Received(String messageId, String ackId, byte[] data) {}

  /**
   * Pulls up to {@code max} messages without waiting for more: an empty pull returns at once (a
   * waiting pull holds its request for up to 90 s, which a stop cannot interrupt).
   */
  List<Received> pull(String subscription, int max) throws IOException {
    ObjectNode body = JSON.createObjectNode().put("maxMessages", max).put("returnImmediately", true);
    JsonNode reply = call("POST", "/v1/" + subscription + ":pull", body);
    List<Received> messages = new ArrayList<>();
    for (JsonNode m : reply.path("receivedMessages")) {
      JsonNode message = m.path("message");
      messages.add(new Received(message.path("messageId").asText(), m.path("ackId").asText(),
          Base64.getDecoder().decode(message.path("data").asText(""))));
    }
    return messages;
  }

  void acknowledge(String subscription, List<String> ackIds) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    ackIds.forEach(body.putArray("ackIds")::add);
    call("POST", "/v1/" + subscription + ":acknowledge", body);
  }

  /** Gives messages back at once (an acknowledgement deadline of 0), as a crashed receiver's lease ends. */
  void nack(String subscription, List<String> ackIds) throws IOException {
    ObjectNode body = JSON.createObjectNode().put("ackDeadlineSeconds", 0);
    ackIds.forEach(body.putArray("ackIds")::add);
    call("POST", "/v1/" + subscription + ":modifyAckDeadline", body);
  }

  /** Creates the subscription; false if it exists already. */
  boolean createSubscription(String subscription, String topic, int ackDeadlineSeconds) throws IOException {
    ObjectNode body = JSON.createObjectNode().put("topic", topic).put("ackDeadlineSeconds", ackDeadlineSeconds);
    try {
      call("PUT", "/v1/" + subscription, body);
      return true;
    } catch (PubsubException e) {
      if (e.status() == 409) {
        return false;
      }
      throw e;
    }
  }

  /** Whether a subscription or topic ({@code projects/p/subscriptions/s}, {@code projects/p/topics/t}) exists. */
  boolean exists(String resource) throws IOException {
    try {
      call("GET", "/v1/" + resource, null);
      return true;
    } catch (PubsubException e) {
      if (e.status() == 404) {
        return false;
      }
      throw e;
    }
  }

  void deleteSubscription(String subscription) throws IOException {
    call("DELETE", "/v1/" + subscription, null);
  }

  void createTopic(String topic) throws IOException {
    call("PUT", "/v1/" + topic, JSON.createObjectNode());
  }

  /** Publishes UTF-8 messages; returns their message ids. */
  List<String> publish(String topic, List<String> messages) throws IOException {
    return publishBytes(topic, messages.stream().map(m -> m.getBytes(StandardCharsets.UTF_8)).toList());
  }

  /** Publishes messages, at most 1000 a request (Pub/Sub's limit); returns their message ids. */
  List<String> publishBytes(String topic, List<byte[]> messages) throws IOException {
    List<String> ids = new ArrayList<>();
    for (int from = 0; from < messages.size(); from += 1000) {
      ObjectNode body = JSON.createObjectNode();
      var array = body.putArray("messages");
      for (byte[] m : messages.subList(from, Math.min(messages.size(), from + 1000))) {
        array.addObject().put("data", Base64.getEncoder().encodeToString(m));
      }
      call("POST", "/v1/" + topic + ":publish", body).path("messageIds").forEach(id -> ids.add(id.asText()));
    }
    return ids;
  }

  /** An error answer of the API, with its HTTP status and Google's message. */
  static final class PubsubException extends IOException {
    private final int status;

    PubsubException(int status, String message) {
      super(message);
      this.status = status;
    }

    int status() {
      return status;
    }
  }

  private JsonNode call(String method, String path, JsonNode body) throws IOException {
    URI uri = URI.create(rootUrl + path);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
        .header("Content-Type", "application/json");
    if (credentials != null) {
      for (Map.Entry<String, List<String>> header : credentials.getRequestMetadata(uri).entrySet()) {
        header.getValue().forEach(v -> request.header(header.getKey(), v));
      }
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted calling Pub/Sub at " + uri, e);
    }
    JsonNode reply;
    try {
      reply = response.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(response.body());
    } catch (IOException notJson) { // a proxy's or load balancer's error page
      reply = JSON.createObjectNode();
    }
    if (response.statusCode() / 100 != 2) {
      String message = reply.path("error").path("message").asText(new String(response.body(), StandardCharsets.UTF_8));
      throw new PubsubException(response.statusCode(), method + " " + uri + " answered HTTP " + response.statusCode()
          + ": " + message);
    }
    return reply;
  }
}
