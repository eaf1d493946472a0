package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaPlans;
import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.tck.MutableClock;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A quota anchored at a time of day shows its windows over HTTP as they are, not at midnight. */
final class AnchoredWindowHttpTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  // 13:00 Berlin on Mar 30, the day after summer time began
  private final MutableClock clock = MutableClock.at("2026-03-30T11:00:00Z");
  private ApiBilling billing;
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (billing != null) {
      billing.close();
    }
  }

  @Test
  void statusAndHeadersShowTheWindowOfAPlanBoughtAt0930() throws Exception {
    billing = ApiBilling.builder().store(InMemoryUsageStore.create()).clock(clock).build();
    billing.updateClientQuotas("acme", QuotaPlans.parseQuotas(
        "month:100 anchor=2026-01-31T09:30 zone=Europe/Berlin, day:10 anchor=2026-01-31T08:30:00Z zone=UTC"));
    RequestBilling flow = RequestBilling.builder(billing)
        .clientResolver(ClientResolver.apiKey(ApiKeyRegistry.of(Map.of("k-acme", "acme"))))
        .build();
    ServletContextHandler context = TestServer.echoContext();
    TestServer.billingFilter(context, new ApiBillingFilter(flow));
    TestServer.statusServlet(context);
    server = TestServer.start(context);

    HttpResponse<String> call = server.get("/api/x", "X-Api-Key", "k-acme");
    // the month renews Mar 31 09:30 Berlin (summer time: 07:30Z), 20.5 h away; the day at 08:30Z tomorrow
    assertThat(call.headers().firstValue("RateLimit").orElseThrow())
        .contains("\"month\";r=99;t=" + Duration.ofMinutes(20 * 60 + 30).toSeconds())
        .contains("\"day\";r=9;t=" + Duration.ofMinutes(21 * 60 + 30).toSeconds());

    JsonNode quotas = JSON.readTree(server.get("/billing/status", "X-Api-Key", "k-acme").body()).get("quotas");
    JsonNode month = quotas.findParents("policy").stream()
        .filter(q -> q.get("policy").asText().equals("month")).findFirst().orElseThrow();
    // Feb 28 09:30 Berlin (winter time: 08:30Z) to Mar 31 09:30 Berlin
    assertThat(Instant.parse(month.get("windowStart").asText())).isEqualTo(Instant.parse("2026-02-28T08:30:00Z"));
    assertThat(Instant.parse(month.get("reset").asText())).isEqualTo(Instant.parse("2026-03-31T07:30:00Z"));
  }
}
