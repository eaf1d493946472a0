package dev.apibilling.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.UsageEvent;
import dev.apibilling.tck.EventReceiver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The demo jar exporting its usage events to a CloudEvents receiver, as samples/README shows. */
final class DemoExportIT {

  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  private static int call(URI uri, String workflow) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
        .header("X-Api-Key", "demo-key").header("X-Workflow-Id", workflow).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void exportToPostsOneEventPerBilledRequestWithItsWorkflowId() throws Exception {
    try (EventReceiver receiver = new EventReceiver();
        DemoProcess demo = DemoProcess.start("--export-to", receiver.uri().toString())) {
      assertThat(call(demo.uri("/api/hello"), "wf-1")).isEqualTo(200);
      assertThat(call(demo.uri("/api/report"), "wf-2")).isEqualTo(200);
      assertThat(call(demo.uri("/api/fail"), "wf-3")).isEqualTo(500);
      assertThat(receiver.awaitEvents(2, 30, TimeUnit.SECONDS)).isTrue();
      assertThat(receiver.events()).extracting(e -> e.metadata().get("x-workflow-id"))
          .containsExactlyInAnyOrder("wf-1", "wf-2");
      assertThat(receiver.events()).extracting(UsageEvent::credits).containsExactlyInAnyOrder(1L, 5L);
      assertThat(receiver.events()).extracting(UsageEvent::clientId).containsOnly("demo");
      assertThat(demo.output()).contains("exporting usage events to " + receiver.uri());
    }
  }
}
