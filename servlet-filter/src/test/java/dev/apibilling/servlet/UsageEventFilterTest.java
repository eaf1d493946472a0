package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apibilling.ApiBilling;
import dev.apibilling.EventDetails;
import dev.apibilling.UsageEvent;
import dev.apibilling.tck.EventReceiver;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Usage events of the filter configured by init-params only, over HTTP on a real Jetty. */
final class UsageEventFilterTest {

  private TestServer server;

  private TestServer start(Map<String, String> extra) throws Exception {
    Map<String, String> params = new HashMap<>(Map.of(
        "plans", "free = day:100",
        "default-plan", "free",
        "api-keys", "key-1 = acme",
        "costs", "POST /api/reports/* = 5"));
    params.putAll(extra);
    ServletContextHandler context = TestServer.echoContext();
    TestServer.billingFilter(context, params);
    TestServer.statusServlet(context);
    server = TestServer.start(context);
    return server;
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private List<UsageEvent> events(String client) {
    ApiBilling billing = (ApiBilling) server.context.getServletContext()
        .getAttribute(ApiBillingFilter.BILLING_CONTEXT_ATTRIBUTE);
    return billing.usageEvents(client, Instant.EPOCH, Instant.parse("2200-01-01T00:00:00Z"), null, 100).events();
  }

  @Test
  void aBilledRequestRecordsMethodRouteStatusAndTheSelectedHeaders() throws Exception {
    start(Map.of("usage-events", "true", "event-metadata-headers", "X-Workflow-Id, X-Origin",
        "event-source", "urn:test:filter"));
    HttpResponse<String> ok = server.send("POST", "/api/reports/7?status=201&actual=3", "X-Api-Key", "key-1",
        "X-Workflow-Id", "wf-42", "Idempotency-Key", "req-9", "X-Ignored", "x");
    assertThat(ok.statusCode()).isEqualTo(201);
    assertThat(server.send("POST", "/api/reports/7?status=201&actual=3", "X-Api-Key", "key-1",
        "X-Workflow-Id", "wf-42", "Idempotency-Key", "req-9").statusCode()).as("a replay").isEqualTo(201);
    assertThat(server.get("/api/fail?status=500", "X-Api-Key", "key-1").statusCode()).isEqualTo(500);
    List<UsageEvent> events = events("acme");
    assertThat(events).hasSize(1);
    UsageEvent e = events.get(0);
    assertThat(e.id()).as("the client-scoped key the filter derives from Idempotency-Key").startsWith("k1:");
    assertThat(e.credits()).isEqualTo(3);
    assertThat(e.details()).isEqualTo(new EventDetails(null, "POST", "POST /api/reports/*", 201));
    assertThat(e.metadata()).isEqualTo(Map.of("route", "POST /api/reports/*", "x-workflow-id", "wf-42"));
    assertThat(e.source()).isEqualTo("urn:test:filter");

    HttpResponse<String> status = server.get("/billing/status", "X-Api-Key", "key-1");
    JsonNode shown = new ObjectMapper().readTree(status.body()).get("events");
    assertThat(shown).hasSize(1);
    assertThat(shown.get(0).get("id").asText()).isEqualTo(e.id());
    assertThat(shown.get(0).get("credits").asLong()).isEqualTo(3);
    assertThat(shown.get(0).get("status").asInt()).isEqualTo(201);
    assertThat(shown.get(0).get("metadata").get("x-workflow-id").asText()).isEqualTo("wf-42");
  }

  @Test
  void theStatusHasNoEventsWhenTheBillingRecordsNone() throws Exception {
    start(Map.of());
    assertThat(server.get("/api/hello", "X-Api-Key", "key-1").statusCode()).isEqualTo(200);
    HttpResponse<String> status = server.get("/billing/status", "X-Api-Key", "key-1");
    assertThat(new ObjectMapper().readTree(status.body()).has("events")).isFalse();
    assertThat(server.get("/billing/status?events=101", "X-Api-Key", "key-1").statusCode()).isEqualTo(400);
  }

  @Test
  void anOverlongRecordedHeaderIsABadRequestAndChargesNothing() throws Exception {
    start(Map.of("usage-events", "true", "event-metadata-headers", "X-Workflow-Id"));
    HttpResponse<String> bad = server.get("/api/hello", "X-Api-Key", "key-1", "X-Workflow-Id", "w".repeat(300));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(bad.body()).contains("metadata value of 'x-workflow-id' must be 1 to 256 characters");
    assertThat(events("acme")).isEmpty();
  }

  @Test
  void exportToPostsTheEventsToTheReceiver() throws Exception {
    try (EventReceiver receiver = new EventReceiver()) {
      start(Map.of("events.export-to", receiver.uri().toString()));
      for (int i = 0; i < 3; i++) {
        assertThat(server.get("/api/hello", "X-Api-Key", "key-1").statusCode()).isEqualTo(200);
      }
      assertThat(receiver.awaitEvents(3, 30, TimeUnit.SECONDS)).isTrue();
      assertThat(receiver.events()).extracting(UsageEvent::clientId).containsOnly("acme");
      assertThat(receiver.events()).extracting(e -> e.details().status()).containsOnly(200);
    }
  }
}
