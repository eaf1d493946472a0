package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apibilling.ApiBilling;
import dev.apibilling.ForecastSettings;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.QuotaForecast;
import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.tck.MutableClock;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The status servlet's forecast of each quota, over HTTP with a fake clock. */
final class StatusForecastTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final MutableClock clock = MutableClock.at("2026-03-10T00:00:00Z");
  private ApiBilling billing;
  private TestServer server;

  private void start(ForecastSettings forecasts) throws Exception {
    billing = ApiBilling.builder().store(InMemoryUsageStore.create()).clock(clock).forecasts(forecasts).build();
    billing.updateClientQuotas("acme",
        List.of(QuotaDefinition.of(QuotaDuration.DAY, 1000), QuotaDefinition.unlimited(QuotaDuration.MONTH)));
    RequestBilling flow = RequestBilling.builder(billing)
        .clientResolver(ClientResolver.apiKey(ApiKeyRegistry.of(Map.of("k-acme", "acme"))))
        .build();
    ServletContextHandler context = TestServer.echoContext();
    TestServer.billingFilter(context, new ApiBillingFilter(flow));
    TestServer.statusServlet(context);
    server = TestServer.start(context);
  }

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
  void eachQuotaCarriesItsBurnRateProjectionAndExhaustion() throws Exception {
    start(ForecastSettings.defaults());
    for (int i = 0; i < 60; i++) {                                        // 10 a minute for an hour
      billing.trackClientUsage("acme", 10);
      clock.advance(Duration.ofMinutes(1));
    }
    QuotaForecast expected = billing.status("acme").quotas().get(0).forecast();

    HttpResponse<String> r = server.get("/billing/status", "X-Api-Key", "k-acme");

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode day = JSON.readTree(r.body()).get("quotas").get(0).get("forecast");
    assertThat(day.get("creditsPerHour").asDouble())
        .isEqualTo(Math.round(expected.creditsPer(Duration.ofHours(1)) * 1000) / 1000.0)
        .isBetween(300.0, 600.0);                                          // ramping up: the window is young
    assertThat(day.get("projectedUsed").asLong()).isEqualTo(expected.projectedUsed()).isGreaterThan(1000);
    assertThat(day.get("exhaustsAt").asText()).isEqualTo(expected.exhaustsAt().toString());
    assertThat(day.get("horizonSeconds").asLong()).isEqualTo(8640);
    JsonNode month = JSON.readTree(r.body()).get("quotas").get(1).get("forecast");
    assertThat(month.get("exhaustsAt").isNull()).as("unlimited never runs out").isTrue();
  }

  @Test
  void withForecastsOffTheStatusHasNoForecast() throws Exception {
    start(ForecastSettings.off());
    billing.trackClientUsage("acme", 10);
    HttpResponse<String> r = server.get("/billing/status", "X-Api-Key", "k-acme");
    assertThat(JSON.readTree(r.body()).get("quotas").get(0).has("forecast")).isFalse();
  }
}
