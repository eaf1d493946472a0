package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import java.net.http.HttpResponse;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.Test;

/** The {@code leases} init-param: a hot client's requests are decided from a lease, exactly. */
final class LeasedFilterTest {

  @Test
  void leasesInitParamGrantsAHotClientExactlyItsLimitMostlyWithoutTheStore() throws Exception {
    ServletContextHandler context = TestServer.echoContext();
    TestServer.billingFilter(context, Map.of(
        "plans", "free = day:600",
        "default-plan", "free",
        "api-keys", "k1 = acme",
        "leases.enabled", "true"));
    try (TestServer server = TestServer.start(context)) {
      int granted = 0;
      int denied = 0;
      for (int i = 0; i < 650; i++) {
        HttpResponse<String> r = server.get("/api/items", "X-Api-Key", "k1");
        if (r.statusCode() == 200) {
          granted++;
        } else {
          assertThat(r.statusCode()).isEqualTo(429);
          denied++;
        }
      }
      ApiBilling billing =
          ((RequestBilling) context.getServletContext().getAttribute(RequestBilling.CONTEXT_ATTRIBUTE)).billing();
      assertThat(granted).isEqualTo(600);
      assertThat(denied).isEqualTo(50);
      assertThat(billing.leaseStats().localDecisions()).isPositive();
      assertThat(billing.status("acme").quotas().get(0).used()).isEqualTo(600);
    }
  }
}
