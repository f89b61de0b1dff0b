package dev.beamckpt.checkpoint.adapter.flink;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.beamckpt.runners.flink.FlinkRest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * How a query explains a job its JobManager cannot tell about. The 404 comes from an HTTP server
 * answering as Flink's REST API does for an unknown job (FlinkSessionClusterTest shows a real
 * JobManager answering so); "down" is a port nothing listens on.
 */
class LostJobTest {
  private static final String JOB = "0123456789abcdef0123456789abcdef";
  private static final String RESUME = "Its last completed checkpoint stays in /ckpt/state";

  @Test
  void aJobManagerThatForgotTheJobIsNamedAsRestarted() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      byte[] body = "{\"errors\":[\"Job could not be found.\"]}".getBytes();
      exchange.sendResponseHeaders(404, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    try {
      String jobManager = "127.0.0.1:" + server.getAddress().getPort();
      IOException answer = assertThrows(IOException.class, () -> new FlinkRest(jobManager).get("/jobs/" + JOB));
      Throwable cause = new RuntimeException("job ended");
      IOException lost = FlinkQueryExecution.lost(JOB, "http://" + jobManager, answer, RESUME, cause);
      assertTrue(lost.getMessage().contains("no longer knows it (it restarted without high availability)"),
          lost.getMessage());
      assertTrue(lost.getMessage().contains(JOB) && lost.getMessage().contains(RESUME), lost.getMessage());
      assertSame(cause, lost.getCause());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aJobManagerThatIsDownIsNamedAsUnreachable() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    String jobManager = "127.0.0.1:" + port;
    IOException answer = assertThrows(IOException.class, () -> new FlinkRest(jobManager).get("/jobs/" + JOB));
    IOException lost = FlinkQueryExecution.lost(JOB, "http://" + jobManager, answer, RESUME, answer);
    assertTrue(lost.getMessage().contains("cannot be reached") && lost.getMessage().contains("the next start of the query"
        + " stops the job with a savepoint") && lost.getMessage().endsWith("once the cluster is back."),
        lost.getMessage());
  }
}
