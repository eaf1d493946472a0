package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.QuotaException;
import dev.apibilling.tck.MutableClock;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The filter on a real Jetty 12 server, called over HTTP, with a fake clock. */
final class ApiBillingFilterTest {

  static final String KEY = "ak_live_acme_5f0c1d2e3b4a";
  static final String BURST_KEY = "ak_live_burst_77aa";
  static final String GHOST_KEY = "ak_live_ghost_0000";
  static final ObjectMapper JSON = new ObjectMapper();

  final MutableClock clock = MutableClock.at("2026-03-10T23:00:00Z");
  final FlakyStore store = new FlakyStore();
  ApiBilling billing;
  RequestBilling flow;
  TestServer server;

  void start(Consumer<RequestBilling.Builder> settings) throws Exception {
    start(settings, c -> {});
  }

  void start(Consumer<RequestBilling.Builder> settings, Consumer<ServletContextHandler> extra) throws Exception {
    billing = ApiBilling.builder().store(store).clock(clock).build();
    billing.updateClientQuotas("acme",
        List.of(QuotaDefinition.of(QuotaDuration.DAY, 5), QuotaDefinition.of(QuotaDuration.MONTH, 100)));
    billing.updateClientQuotas("burst", List.of(QuotaDefinition.of(QuotaDuration.DAY, 50)));
    RequestBilling.Builder b = RequestBilling.builder(billing)
        .clientResolver(ClientResolver.apiKey(ApiKeyRegistry.of(Map.of(
            KEY, "acme", BURST_KEY, "burst", GHOST_KEY, "ghost"))))
        .costRules(CostRules.parse(1, "POST /api/reports/* = 5, GET /api/free/** = 0"));
    settings.accept(b);
    flow = b.build();
    ServletContextHandler context = TestServer.echoContext();
    extra.accept(context); // filters added here run before the billing filter
    TestServer.billingFilter(context, new ApiBillingFilter(flow));
    TestServer.statusServlet(context);
    server = TestServer.start(context);
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (billing != null) {
      billing.close();
    }
  }

  long usedToday(String client) {
    return billing.status(client).quotas().get(0).used();
  }

  static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElseThrow(() -> new AssertionError("no " + name + " in " + r.headers()));
  }

  static Map<String, StructuredFields.Item> byPolicy(String field) {
    Map<String, StructuredFields.Item> m = new java.util.LinkedHashMap<>();
    for (StructuredFields.Item item : StructuredFields.parseList(field)) {
      assertThat(item.value()).as("policy names are sf-strings").isInstanceOf(String.class);
      m.put((String) item.value(), item);
    }
    return m;
  }

  // ---- headers ----------------------------------------------------------------------------------

  @Test
  void grantedRequestCarriesIetfAndLegacyFieldsForEveryQuota() throws Exception {
    start(b -> {});

    HttpResponse<String> r = server.get("/api/items", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok acme");
    Map<String, StructuredFields.Item> policy = byPolicy(header(r, "RateLimit-Policy"));
    assertThat(policy).containsOnlyKeys("day", "month");
    assertThat(policy.get("day").param("q")).isEqualTo(5);
    assertThat(policy.get("day").param("w")).isEqualTo(86_400);
    assertThat(policy.get("month").param("q")).isEqualTo(100);
    assertThat(policy.get("month").param("w")).as("March has 31 days").isEqualTo(31 * 86_400);
    Map<String, StructuredFields.Item> state = byPolicy(header(r, "RateLimit"));
    assertThat(state.get("day").param("r")).isEqualTo(4);
    assertThat(state.get("day").param("t")).isEqualTo(3600);
    assertThat(state.get("month").param("r")).isEqualTo(99);
    assertThat(state.get("month").param("t")).isEqualTo(21 * 86_400 + 3600);
    assertThat(header(r, "X-RateLimit-Limit")).isEqualTo("5");
    assertThat(header(r, "X-RateLimit-Remaining")).isEqualTo("4");
    assertThat(header(r, "X-RateLimit-Reset"))
        .isEqualTo(Long.toString(Instant.parse("2026-03-11T00:00:00Z").getEpochSecond()));
    assertThat(r.headers().firstValue("Retry-After")).isEmpty();
    store.awaitSettles(1);
    assertThat(usedToday("acme")).isEqualTo(1);
  }

  @Test
  void spentQuotaAnswers429WithRetryAfterTheSameFieldsAndAProblemBody() throws Exception {
    start(b -> {});
    for (int i = 0; i < 5; i++) {
      assertThat(server.get("/api/items", "X-Api-Key", KEY).statusCode()).isEqualTo(200);
    }
    store.awaitSettles(5);

    HttpResponse<String> r = server.get("/api/items", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(header(r, "Retry-After")).isEqualTo("3600");
    assertThat(header(r, "Content-Type")).startsWith("application/problem+json");
    assertThat(byPolicy(header(r, "RateLimit-Policy")).get("day").param("q")).isEqualTo(5);
    Map<String, StructuredFields.Item> state = byPolicy(header(r, "RateLimit"));
    assertThat(state.get("day").param("r")).isZero();
    assertThat(state.get("day").param("t")).isEqualTo(3600);
    assertThat(state.get("month").param("r")).isEqualTo(95);
    assertThat(header(r, "X-RateLimit-Remaining")).isEqualTo("0");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("type").asText()).isEqualTo(BillingProblems.DEFAULT_TYPE_BASE + "quota-exceeded");
    assertThat(body.get("status").asInt()).isEqualTo(429);
    assertThat(body.get("policy").asText()).isEqualTo("day");
    assertThat(body.get("limit").asLong()).isEqualTo(5);
    assertThat(body.get("remaining").asLong()).isZero();
    assertThat(body.get("requested").asLong()).isEqualTo(1);
    assertThat(Instant.parse(body.get("reset").asText())).isEqualTo(Instant.parse("2026-03-11T00:00:00Z"));
    assertThat(body.get("retryAfter").asLong()).isEqualTo(3600);
    assertThat(usedToday("acme")).isEqualTo(5);
    assertThat(store.pendingSettles()).as("a denied request holds nothing to settle").isZero();

    clock.advance(Duration.ofHours(1));
    HttpResponse<String> nextDay = server.get("/api/items", "X-Api-Key", KEY);
    assertThat(nextDay.statusCode()).isEqualTo(200);
    assertThat(byPolicy(header(nextDay, "RateLimit")).get("day").param("r")).isEqualTo(4);
  }

  @Test
  void headerStyleSelectsTheFieldsButA429AlwaysHasRetryAfter() throws Exception {
    start(b -> b.headerStyle(HeaderStyle.IETF));
    HttpResponse<String> ietf = server.get("/api/items", "X-Api-Key", KEY);
    assertThat(ietf.headers().firstValue("RateLimit")).isPresent();
    assertThat(ietf.headers().firstValue("X-RateLimit-Limit")).isEmpty();
    stop();

    start(b -> b.headerStyle(HeaderStyle.LEGACY));
    HttpResponse<String> legacy = server.get("/api/items", "X-Api-Key", KEY);
    assertThat(legacy.headers().firstValue("RateLimit")).isEmpty();
    assertThat(legacy.headers().firstValue("RateLimit-Policy")).isEmpty();
    assertThat(legacy.headers().firstValue("X-RateLimit-Limit")).contains("5");
    stop();

    start(b -> b.headerStyle(HeaderStyle.NONE));
    HttpResponse<String> none = server.get("/api/reports/1", "X-Api-Key", KEY);
    assertThat(none.statusCode()).isEqualTo(200);
    assertThat(none.headers().map().keySet()).noneMatch(h -> h.toLowerCase().contains("ratelimit"));
    HttpResponse<String> denied = server.send("POST", "/api/reports/2", "X-Api-Key", KEY);
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().map().keySet()).noneMatch(h -> h.toLowerCase().contains("ratelimit"));
    assertThat(header(denied, "Retry-After")).isEqualTo("3600");
  }

  // ---- costs --------------------------------------------------------------------------------------

  @Test
  void costRulesPriceRequestsAndFreeRoutesAreNotBilledAtAll() throws Exception {
    start(b -> {});

    HttpResponse<String> report = server.send("POST", "/api/reports/7", "X-Api-Key", KEY);
    assertThat(report.statusCode()).isEqualTo(200);
    assertThat(byPolicy(header(report, "RateLimit")).get("day").param("r")).isZero();
    store.awaitSettles(1);
    assertThat(usedToday("acme")).isEqualTo(5);

    int charges = store.charges.get();
    HttpResponse<String> free = server.get("/api/free/anything/deep");
    assertThat(free.statusCode()).as("free routes need no key").isEqualTo(200);
    assertThat(free.headers().firstValue("RateLimit")).isEmpty();
    assertThat(store.charges.get()).isEqualTo(charges);
  }

  @Test
  void handlerReportsTheActualCostThroughTheAttributeOrTheApiNeverAboveTheReservation() throws Exception {
    start(b -> b.costRules(CostRules.parse(1, "POST /api/reports/* = 5")));
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(QuotaDuration.DAY, 100)));

    assertThat(server.send("POST", "/api/reports/1?actual=2", "X-Api-Key", KEY).statusCode()).isEqualTo(200);
    store.awaitSettles(1);
    assertThat(usedToday("acme")).isEqualTo(2);

    assertThat(server.send("POST", "/api/reports/1?report=3", "X-Api-Key", KEY).statusCode()).isEqualTo(200);
    store.awaitSettles(1);
    assertThat(usedToday("acme")).isEqualTo(5);

    assertThat(server.send("POST", "/api/reports/1?actual=9", "X-Api-Key", KEY).statusCode()).isEqualTo(200);
    store.awaitSettles(1);
    assertThat(usedToday("acme")).as("overage is clamped to the 5 reserved").isEqualTo(10);

    assertThat(server.send("POST", "/api/reports/1?actual=0", "X-Api-Key", KEY).statusCode()).isEqualTo(200);
    store.awaitSettles(1);
    assertThat(usedToday("acme")).isEqualTo(10);
    assertThat(billing.usageHistory("acme", LocalDate.of(2026, 3, 10), LocalDate.of(2026, 3, 10)))
        .singleElement().satisfies(d -> assertThat(d.credits()).isEqualTo(10));
  }

  // ---- exact counts -------------------------------------------------------------------------------

  @Test
  void concurrentBurstIsGrantedExactlyTheLimit() throws Exception {
    start(b -> {});
    List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      futures.add(TestServer.CLIENT.sendAsync(server.request("GET", "/api/items", "X-Api-Key", BURST_KEY),
          HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    int denied = 0;
    for (CompletableFuture<HttpResponse<String>> f : futures) {
      int status = f.get().statusCode();
      if (status == 200) {
        ok++;
      } else if (status == 429) {
        denied++;
      } else {
        throw new AssertionError("unexpected status " + status);
      }
    }

    assertThat(ok).isEqualTo(50);
    assertThat(denied).isEqualTo(150);
    store.awaitSettles(50);
    assertThat(usedToday("burst")).isEqualTo(50);
    assertThat(store.pendingSettles()).isZero();
  }

  @Test
  void concurrentRequestsThatFailAreRefundedExactly() throws Exception {
    start(b -> {});
    billing.updateClientQuotas("burst", List.of(QuotaDefinition.of(QuotaDuration.DAY, 1000)));
    List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      String path = i % 3 == 0 ? "/api/items?status=500" : "/api/items";
      futures.add(TestServer.CLIENT.sendAsync(server.request("GET", path, "X-Api-Key", BURST_KEY),
          HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    for (CompletableFuture<HttpResponse<String>> f : futures) {
      ok += f.get().statusCode() == 200 ? 1 : 0;
    }

    assertThat(ok).isEqualTo(80);
    store.awaitSettles(120);
    assertThat(usedToday("burst")).isEqualTo(80);
  }

  // ---- charge policy ------------------------------------------------------------------------------

  @Test
  void serverErrorIsRefundedUnderTheDefaultPolicy() throws Exception {
    start(b -> {});

    HttpResponse<String> r = server.get("/api/items?status=503", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(header(r, "RateLimit")).as("fields are set before the handler").contains("r=4");
    store.awaitSettles(1);
    assertThat(usedToday("acme")).isZero();
    assertThat(server.get("/api/items?status=409", "X-Api-Key", KEY).statusCode()).isEqualTo(409);
    store.awaitSettles(1);
    assertThat(usedToday("acme")).as("a handler's 4xx is charged below 500").isEqualTo(1);
  }

  @Test
  void handlerThatThrowsIsRefundedAndAnsweredWithoutAStackTrace() throws Exception {
    start(b -> {});

    HttpResponse<String> r = server.get("/api/items?throw=1", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).doesNotContain("\tat ").doesNotContain("dev.apibilling");
    store.awaitSettles(1);
    assertThat(usedToday("acme")).isZero();
  }

  @Test
  void exceptionsCountAs500EvenWhenEverythingIsCharged() throws Exception {
    start(b -> b.chargePolicy(ChargePolicy.ALWAYS));
    server.get("/api/items?status=503", "X-Api-Key", KEY);
    store.awaitSettles(1);
    assertThat(usedToday("acme")).as("ALWAYS charges a 503").isEqualTo(1);

    server.get("/api/items?throw=1", "X-Api-Key", KEY);
    store.awaitSettles(1);
    assertThat(usedToday("acme")).as("ALWAYS charges a handler that threw too").isEqualTo(2);
  }

  @Test
  void successOnlyPolicyRefundsClientErrors() throws Exception {
    start(b -> b.chargePolicy(ChargePolicy.SUCCESS_2XX));
    server.get("/api/items?status=404", "X-Api-Key", KEY);
    server.get("/api/items?status=302", "X-Api-Key", KEY);
    server.get("/api/items?status=201", "X-Api-Key", KEY);
    store.awaitSettles(3);
    assertThat(usedToday("acme")).isEqualTo(1);
  }

  // ---- idempotency --------------------------------------------------------------------------------

  @Test
  void retryWithTheSameIdempotencyKeyIsChargedOnce() throws Exception {
    start(b -> {});

    HttpResponse<String> first = server.send("POST", "/api/reports/1", "X-Api-Key", KEY, "Idempotency-Key", "order-42");
    HttpResponse<String> retry = server.send("POST", "/api/reports/1", "X-Api-Key", KEY, "Idempotency-Key", "order-42");
    HttpResponse<String> quoted = server.send("POST", "/api/reports/1", "X-Api-Key", KEY, "Idempotency-Key", "\"order-42\"");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(quoted.statusCode()).as("an RFC 8941 string names the same key").isEqualTo(200);
    assertThat(header(retry, "RateLimit")).isEqualTo(header(first, "RateLimit"));
    store.awaitSettles(1);
    assertThat(usedToday("acme")).isEqualTo(5);
    assertThat(store.pendingSettles()).as("replays settle nothing").isZero();

    clock.advance(Duration.ofHours(1));
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(QuotaDuration.DAY, 100)));
    server.get("/api/items", "X-Api-Key", KEY, "Idempotency-Key", "order-42");
    store.awaitSettles(1);
    assertThat(usedToday("acme")).as("the same key on another endpoint is another request").isEqualTo(1);
  }

  @Test
  void retryOfARefundedRequestWithTheSameKeyIsCharged() throws Exception {
    start(b -> {});

    HttpResponse<String> failed = server.get("/api/items", "X-Api-Key", KEY, "Idempotency-Key", "upload-9",
        "X-Test-Status", "503");
    store.awaitSettles(1);
    assertThat(failed.statusCode()).isEqualTo(503);
    assertThat(usedToday("acme")).as("the failed attempt is refunded").isZero();

    HttpResponse<String> retry = server.get("/api/items", "X-Api-Key", KEY, "Idempotency-Key", "upload-9");
    store.awaitSettles(1);
    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(usedToday("acme")).as("the retry is decided and charged anew").isEqualTo(1);

    HttpResponse<String> again = server.get("/api/items", "X-Api-Key", KEY, "Idempotency-Key", "upload-9");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(header(again, "RateLimit")).isEqualTo(header(retry, "RateLimit"));
    assertThat(usedToday("acme")).as("a retry of the charged request is a replay").isEqualTo(1);
  }

  @Test
  void malformedOrOversizedIdempotencyKeyIs400AndChargesNothing() throws Exception {
    start(b -> {});
    List<HttpResponse<String>> bad = List.of(
        server.get("/api/items", "X-Api-Key", KEY, "Idempotency-Key", "k".repeat(256)),
        server.get("/api/items", "X-Api-Key", KEY, "Idempotency-Key", "\"has space\""),
        server.get("/api/items", "X-Api-Key", KEY, "Idempotency-Key", "\"unterminated"),
        server.get("/api/items", "X-Api-Key", KEY, "Idempotency-Key", "\"bad\\qescape\""),
        server.get("/api/items", "X-Api-Key", KEY, "Idempotency-Key", "a", "Idempotency-Key", "b"));

    for (HttpResponse<String> r : bad) {
      assertThat(r.statusCode()).isEqualTo(400);
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.get("type").asText()).endsWith("/invalid-idempotency-key");
      assertThat(body.get("detail").asText()).isNotBlank();
    }
    assertThat(JSON.readTree(bad.get(0).body()).get("detail").asText()).contains("255").contains("256");
    assertThat(store.charges.get()).isZero();
  }

  // ---- who is calling ------------------------------------------------------------------------------

  @Test
  void missingKeyIs401AndUnknownKeysAre403WithoutAllocatingQuotaState() throws Exception {
    start(b -> {});

    HttpResponse<String> missing = server.get("/api/items");
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(header(missing, "WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(JSON.readTree(missing.body()).get("type").asText()).endsWith("/missing-client");

    for (int i = 0; i < 500; i++) {
      String randomKey = "ak_live_" + UUID.randomUUID();
      HttpResponse<String> r = i % 2 == 0 ? server.get("/api/items", "X-Api-Key", randomKey)
          : server.get("/api/items", "Authorization", "Bearer " + randomKey);
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).doesNotContain(randomKey);
    }
    HttpResponse<String> ghost = server.get("/api/items", "X-Api-Key", GHOST_KEY);
    assertThat(ghost.statusCode()).as("a key whose client has no plan").isEqualTo(403);
    assertThat(JSON.readTree(ghost.body()).get("type").asText()).endsWith("/unknown-client");

    assertThat(store.delegate.clientCount()).isZero();
    assertThat(store.charges.get()).isZero();
    assertThat(server.get("/api/items", "Authorization", "Bearer " + KEY).statusCode()).isEqualTo(200);
    assertThat(store.delegate.clientCount()).isEqualTo(1);
  }

  @Test
  void principalResolverBillsTheAuthenticatedUser() throws Exception {
    start(b -> b.clientResolver(ClientResolver.principal()), context -> {
      jakarta.servlet.Filter login = (req, res, chain) -> {
        HttpServletRequest http = (HttpServletRequest) req;
        String user = http.getHeader("X-Test-User");
        chain.doFilter(user == null ? req : new jakarta.servlet.http.HttpServletRequestWrapper(http) {
          @Override
          public java.security.Principal getUserPrincipal() {
            return () -> user;
          }
        }, res);
      };
      context.addFilter(new org.eclipse.jetty.ee10.servlet.FilterHolder(login), "/*",
          java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
    });

    assertThat(server.get("/api/items", "X-Test-User", "acme").body()).isEqualTo("ok acme");
    HttpResponse<String> anonymous = server.get("/api/items");
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(header(anonymous, "WWW-Authenticate")).as("RFC 9110 11.6.1").isEqualTo("Bearer");
    assertThat(server.get("/api/items", "X-Test-User", "stranger").statusCode()).isEqualTo(403);
    store.awaitSettles(1);
    assertThat(usedToday("acme")).isEqualTo(1);
    assertThat(store.delegate.clientCount()).isEqualTo(1);
  }

  // ---- store failures ------------------------------------------------------------------------------

  @Test
  void failOpenServesUnbilledCountsTheMissAndLogsOncePerInterval() throws Exception {
    try (LogCapture log = new LogCapture()) {
      start(b -> b.storeFailurePolicy(StoreFailurePolicy.FAIL_OPEN));
      store.failCharges.set(true);

      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r = server.get("/api/items", "X-Api-Key", KEY);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok acme");
        assertThat(r.headers().firstValue("RateLimit")).isEmpty();
      }
      assertThat(flow.storeFailures()).isEqualTo(3);
      assertThat(billing.faults().servedUnbilled()).isEqualTo(3);
      assertThat(log.warnings()).hasSize(1);

      clock.advance(Duration.ofSeconds(61));
      server.get("/api/items", "X-Api-Key", KEY);
      assertThat(log.warnings()).hasSize(2);
      assertThat(log.warnings().get(1)).contains("2 more");
      assertThat(log.warnings()).noneMatch(w -> w.contains(KEY));

      store.failCharges.set(false);
      assertThat(server.get("/api/items", "X-Api-Key", KEY).headers().firstValue("RateLimit")).isPresent();
      store.awaitSettles(1);
      assertThat(usedToday("acme")).isEqualTo(1);
      JsonNode status = JSON.readTree(server.get("/billing/status", "X-Api-Key", KEY).body());
      assertThat(status.get("store").get("servedUnbilled").asLong()).isEqualTo(4);
    }
  }

  @Test
  void failClosedAnswers503WithRetryAfterAndAProblemBody() throws Exception {
    start(b -> b.storeFailurePolicy(StoreFailurePolicy.FAIL_CLOSED)
        .storeFailureRetryAfter(Duration.ofSeconds(7)));
    store.failCharges.set(true);

    HttpResponse<String> r = server.get("/api/items", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(header(r, "Retry-After")).isEqualTo("7");
    assertThat(header(r, "Content-Type")).startsWith("application/problem+json");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("type").asText()).endsWith("/store-unavailable");
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("connection reset");
    assertThat(flow.storeFailures()).isEqualTo(1);
    assertThat(billing.faults().servedUnbilled()).as("refused, not served").isZero();
  }

  @Test
  void commitTheStoreFailedIsRetriedUntilItAnswersSoTheRequestIsCharged() throws Exception {
    start(b -> {});
    store.failSettles.set(true);

    HttpResponse<String> r = server.get("/api/items", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(200);
    store.awaitSettles(1);
    assertThat(flow.settleFailures()).isEqualTo(1);
    assertThat(billing.faults().pending()).isEqualTo(1);
    store.failSettles.set(false);
    store.awaitRetries(1);
    assertThat(usedToday("acme")).as("committed by the retry, not released at expiry").isEqualTo(1);
    clock.advance(Duration.ofMinutes(11));
    assertThat(usedToday("acme")).as("still charged after the reservation TTL").isEqualTo(1);
  }

  // ---- throwing instead of 429 ---------------------------------------------------------------------

  @Test
  void quotaExceptionReachesTheContainersErrorPageWhenConfiguredToThrow() throws Exception {
    start(b -> b.throwOnQuotaExceeded(true), context -> {
      context.addServlet(new ServletHolder(new HttpServlet() {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
          Object e = req.getAttribute("jakarta.servlet.error.exception");
          resp.setStatus(429);
          resp.getWriter().print("error page: " + (e instanceof QuotaException q ? q.policy() + " " + q.remaining() : e));
        }
      }), "/quota-error");
      ErrorPageErrorHandler errors = new ErrorPageErrorHandler();
      errors.addErrorPage(QuotaException.class, "/quota-error");
      context.setErrorHandler(errors);
    });
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(QuotaDuration.DAY, 1)));
    assertThat(server.get("/api/items", "X-Api-Key", KEY).statusCode()).isEqualTo(200);

    HttpResponse<String> r = server.get("/api/items", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.body()).isEqualTo("error page: day 0");
  }

  // ---- status endpoint -----------------------------------------------------------------------------

  @Test
  void statusServletReportsTheCallersQuotasAndDailyHistory() throws Exception {
    start(b -> {});
    for (int i = 0; i < 3; i++) {
      server.get("/api/items", "X-Api-Key", KEY);
    }
    store.awaitSettles(3);
    clock.advance(Duration.ofHours(2)); // 2026-03-11T01:00Z: yesterday's 3 are history, today is empty
    server.get("/api/items", "X-Api-Key", KEY);
    store.awaitSettles(1);
    int charges = store.charges.get();

    HttpResponse<String> r = server.get("/billing/status?days=7", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(header(r, "Content-Type")).startsWith("application/json");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("client").asText()).isEqualTo("acme");
    JsonNode day = body.get("quotas").get(0);
    assertThat(day.get("policy").asText()).isEqualTo("day");
    assertThat(day.get("limit").asLong()).isEqualTo(5);
    assertThat(day.get("used").asLong()).isEqualTo(1);
    assertThat(day.get("remaining").asLong()).isEqualTo(4);
    assertThat(day.get("reset").asText()).isEqualTo("2026-03-12T00:00:00Z");
    JsonNode month = body.get("quotas").get(1);
    assertThat(month.get("used").asLong()).isEqualTo(4);
    assertThat(month.get("reset").asText()).isEqualTo("2026-04-01T00:00:00Z");
    JsonNode history = body.get("history");
    assertThat(history.get("from").asText()).isEqualTo("2026-03-05");
    assertThat(history.get("to").asText()).isEqualTo("2026-03-11");
    assertThat(history.get("days").toString())
        .isEqualTo("[{\"date\":\"2026-03-10\",\"credits\":3},{\"date\":\"2026-03-11\",\"credits\":1}]");
    assertThat(store.charges.get()).as("the status endpoint is not billed").isEqualTo(charges);
    assertThat(body.get("store").toString()).isEqualTo(
        "{\"failurePolicy\":\"fail-open\",\"servedUnbilled\":0,\"pendingSettlements\":0,\"unsettled\":0}");

    assertThat(server.get("/billing/status").statusCode()).isEqualTo(401);
    assertThat(server.get("/billing/status", "X-Api-Key", "nope").statusCode()).isEqualTo(403);
    HttpResponse<String> bad = server.get("/billing/status?days=0", "X-Api-Key", KEY);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(bad.body()).get("detail").asText()).contains("'days'").contains("3660");
    assertThat(store.delegate.clientCount()).isEqualTo(1);
  }
}
