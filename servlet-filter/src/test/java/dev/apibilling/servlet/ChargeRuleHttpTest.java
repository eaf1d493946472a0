package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.tck.MutableClock;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a request costs, over real HTTP on Jetty: the charge policies by status, and requests apibilling
 * refused from inside the handler, which no policy charges.
 */
final class ChargeRuleHttpTest {

  static final String KEY = "ak_charge_rule_1";
  static final ObjectMapper JSON = new ObjectMapper();

  final MutableClock clock = MutableClock.at("2026-03-10T12:00:00Z");
  final FlakyStore store = new FlakyStore();
  ApiBilling billing;
  TestServer server;

  /** The filter on every path; EchoServlet at /api/*, a GET-only servlet, a servlet billing on its own. */
  void start(ChargePolicy policy, boolean throwOnQuotaExceeded) throws Exception {
    billing = ApiBilling.builder().store(store).clock(clock).build();
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(QuotaDuration.DAY, 100)));
    billing.updateClientQuotas("small", List.of(QuotaDefinition.of(QuotaDuration.DAY, 2)));
    RequestBilling flow = RequestBilling.builder(billing)
        .clientResolver(ClientResolver.apiKey(ApiKeyRegistry.of(Map.of(KEY, "acme"))))
        .costRules(CostRules.parse(1, "GET /api/report = 5"))
        .chargePolicy(policy)
        .throwOnQuotaExceeded(throwOnQuotaExceeded)
        .build();
    ServletContextHandler context = TestServer.echoContext();
    context.addServlet(new ServletHolder(new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.getWriter().print("got");
      }
    }), "/get-only");
    context.addServlet(new ServletHolder(new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        billing.trackClientUsage(req.getParameter("client"), Long.parseLong(req.getParameter("credits")));
        resp.getWriter().print("charged");
      }
    }), "/nested");
    FilterHolder filter = new FilterHolder(new ApiBillingFilter(flow));
    filter.setAsyncSupported(true);
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
    server = TestServer.start(context);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
    if (billing != null) {
      billing.close();
      billing = null;
    }
  }

  long used(String client) {
    return billing.status(client).quotas().get(0).used();
  }

  /** Sends the request with acme's key, waits for its settlement, and answers acme's credits used since. */
  long costOf(String method, String path) throws Exception {
    long before = used("acme");
    server.send(method, path, "X-Api-Key", KEY);
    store.awaitSettles(1);
    return used("acme") - before;
  }

  @Test
  void routeOrMethodThatDoesNotExistCostsNothingUnderTheDefaultPolicy() throws Exception {
    start(ChargePolicy.BELOW_500, false);

    assertThat(server.get("/no-such-route", "X-Api-Key", KEY)
        .statusCode()).as("the container's own 404").isEqualTo(404);
    store.awaitSettles(1);
    assertThat(used("acme")).isZero();
    assertThat(costOf("DELETE", "/get-only")).as("the container's 405 for a method not served").isZero();
    assertThat(costOf("GET", "/api/report?status=404")).as("a handler's 404").isZero();
    assertThat(costOf("GET", "/api/report?status=429")).as("a 429 whoever answered it").isZero();
    assertThat(costOf("GET", "/api/report?status=501")).isZero();
    assertThat(costOf("GET", "/api/report?status=503")).isZero();
    assertThat(costOf("GET", "/api/report?status=400")).as("other client errors: the handler did work")
        .isEqualTo(5);
    assertThat(costOf("GET", "/api/report?status=422")).isEqualTo(5);
    assertThat(costOf("GET", "/api/report?status=302")).isEqualTo(5);
    assertThat(costOf("GET", "/get-only")).isEqualTo(1);
  }

  @Test
  void alwaysChargesANonexistentRouteButSuccessOnlyDoesNot() throws Exception {
    start(ChargePolicy.ALWAYS, false);
    assertThat(costOf("GET", "/no-such-route")).isEqualTo(1);
    assertThat(costOf("GET", "/api/report?status=429")).isEqualTo(5);
    stop();

    start(ChargePolicy.SUCCESS_2XX, false);
    assertThat(costOf("GET", "/no-such-route")).isZero();
    assertThat(costOf("GET", "/api/report?status=400")).isZero();
    assertThat(costOf("GET", "/api/report")).isEqualTo(5);
  }

  @Test
  void nestedSpentQuotaInAServletBehindTheFilterAnswers429AndIsNeverCharged() throws Exception {
    start(ChargePolicy.ALWAYS, false);

    HttpResponse<String> ok = server.get("/nested?client=small&credits=2", "X-Api-Key", KEY);
    assertThat(ok.body()).isEqualTo("charged");
    store.awaitSettles(1);
    assertThat(used("acme")).isEqualTo(1);

    HttpResponse<String> r = server.get("/nested?client=small&credits=1", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
        t -> assertThat(t).startsWith(BillingProblem.CONTENT_TYPE));
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("type").asText()).endsWith("/quota-exceeded");
    assertThat(body.get("limit").asLong()).as("the nested quota's").isEqualTo(2);
    assertThat(r.headers().firstValue("Retry-After")).isPresent();
    assertThat(r.headers().firstValue("X-RateLimit-Limit")).as("fields of the refused decision").hasValue("2");
    store.awaitSettles(1);
    assertThat(used("acme")).as("refused by apibilling: released even under ALWAYS").isEqualTo(1);
    assertThat(used("small")).isEqualTo(2);
  }

  @Test
  void nestedUnknownClientAnswers403AndIsNeverCharged() throws Exception {
    start(ChargePolicy.ALWAYS, false);

    HttpResponse<String> r = server.get("/nested?client=nobody&credits=1", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(r.body()).get("type").asText()).endsWith("/unknown-client");
    store.awaitSettles(1);
    assertThat(used("acme")).isZero();
  }

  @Test
  void nestedSpentQuotaReachesTheContainerWhenConfiguredToThrowAndIsStillNotCharged() throws Exception {
    start(ChargePolicy.ALWAYS, true);

    HttpResponse<String> r = server.get("/nested?client=small&credits=3", "X-Api-Key", KEY);

    assertThat(r.statusCode()).as("no error page: the container's 500").isEqualTo(500);
    store.awaitSettles(1);
    assertThat(used("acme")).isZero();
  }
}
