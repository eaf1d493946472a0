package dev.apibilling.servlet;

import static dev.apibilling.servlet.ApiBillingFilterTest.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.tck.MutableClock;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The filter's HTTP behaviour on every {@link Container}: one test body, run on Jetty 12 and on Tomcat
 * 10.1, over real HTTP with a fake clock.
 */
final class FilterOnContainersTest {

  static final String KEY = "ak_live_acme_5f0c1d2e3b4a";
  static final String PRO_KEY = "ak_live_pro_91b2c3";
  static final ObjectMapper JSON = new ObjectMapper();

  final MutableClock clock = MutableClock.at("2026-03-10T23:00:00Z");
  final FlakyStore store = new FlakyStore();
  ApiBilling billing;
  Container.Running server;

  void start(Container container, Consumer<RequestBilling.Builder> settings) throws Exception {
    billing = ApiBilling.builder().store(store).clock(clock).build();
    billing.updateClientQuotas("acme",
        List.of(QuotaDefinition.of(QuotaDuration.DAY, 5), QuotaDefinition.of(QuotaDuration.MONTH, 100)));
    billing.updateClientQuotas("pro", List.of(QuotaDefinition.of(QuotaDuration.DAY, 1000)));
    RequestBilling.Builder b = RequestBilling.builder(billing)
        .clientResolver(ClientResolver.apiKey(ApiKeyRegistry.of(Map.of(KEY, "acme", PRO_KEY, "pro"))))
        .costRules(CostRules.parse(1, "POST /api/reports/* = 5, GET /api/reports/* = 3, HEAD /api/cheap/* = 0,"
            + " GET /api/cheap/* = 4, /api/**/x/**/x/**/y = 2"));
    settings.accept(b);
    ApiBillingFilter filter = new ApiBillingFilter(b.build());
    server = container.start(context -> echoApp(context, context.addFilter("billing", filter)));
  }

  /** The EchoServlet at /api/* behind {@code billing}, and the status servlet at /billing/status. */
  static void echoApp(ServletContext context, FilterRegistration.Dynamic billing) {
    ServletRegistration.Dynamic echo = context.addServlet("echo", new EchoServlet());
    echo.addMapping("/api/*");
    echo.setAsyncSupported(true);
    context.addServlet("status", ApiBillingStatusServlet.class).addMapping("/billing/status");
    billing.setAsyncSupported(true);
    billing.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/api/*");
  }

  static Container.Running startWithInitParams(Container container, Map<String, String> params) throws Exception {
    return container.start(context -> {
      FilterRegistration.Dynamic billing = context.addFilter("billing", ApiBillingFilter.class);
      billing.setInitParameters(params);
      echoApp(context, billing);
    });
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

  long usedToday(String client) {
    return billing.status(client).quotas().get(0).used();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Container.class)
  void grantedRequestsCarryTheFieldsAndASpentQuotaAnswers429WithAProblemBody(Container container) throws Exception {
    start(container, b -> {});
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> ok = server.get("/api/items", "X-Api-Key", KEY);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("ok acme");
      assertThat(header(ok, "RateLimit")).contains("\"day\";r=" + (4 - i) + ";t=3600");
      assertThat(header(ok, "X-RateLimit-Remaining")).isEqualTo(Integer.toString(4 - i));
      assertThat(header(ok, "RateLimit-Policy")).contains("\"day\";q=5;w=86400");
    }
    store.awaitSettles(5);

    HttpResponse<String> denied = server.get("/api/items", "X-Api-Key", KEY);

    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(header(denied, "Retry-After")).isEqualTo("3600");
    assertThat(header(denied, "Content-Type")).startsWith("application/problem+json");
    JsonNode body = JSON.readTree(denied.body());
    assertThat(body.get("type").asText()).endsWith("/quota-exceeded");
    assertThat(body.get("policy").asText()).isEqualTo("day");
    assertThat(body.get("remaining").asLong()).isZero();
    assertThat(body.get("retryAfter").asLong()).isEqualTo(3600);
    assertThat(usedToday("acme")).isEqualTo(5);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Container.class)
  void serverErrorsAndHandlersThatThrowAreRefunded(Container container) throws Exception {
    start(container, b -> {});

    assertThat(server.get("/api/items?status=503", "X-Api-Key", KEY).statusCode()).isEqualTo(503);
    HttpResponse<String> thrown = server.get("/api/items?throw=1", "X-Api-Key", KEY);
    assertThat(thrown.statusCode()).isEqualTo(500);
    assertThat(thrown.body()).doesNotContain("\tat ");
    assertThat(server.get("/api/items", "X-Api-Key", KEY).statusCode()).isEqualTo(200);

    store.awaitSettles(3);
    assertThat(usedToday("acme")).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Container.class)
  void missingRoutesAndMethodsAndTooManyRequestsCostNothingButOtherClientErrorsAreCharged(Container container)
      throws Exception {
    start(container, b -> {});

    for (int status : new int[] {404, 405, 429}) {
      assertThat(server.get("/api/items?status=" + status, "X-Api-Key", KEY).statusCode()).isEqualTo(status);
    }
    assertThat(server.get("/api/items?status=400", "X-Api-Key", KEY).statusCode()).isEqualTo(400);

    store.awaitSettles(4);
    assertThat(usedToday("acme")).as("only the 400 is charged under below-500").isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Container.class)
  void asyncRequestsAreSettledOnceWithTheirFinalStatus(Container container) throws Exception {
    start(container, b -> {});

    assertThat(server.get("/api/items?async=ok", "X-Api-Key", KEY).body()).isEqualTo("ok acme");
    assertThat(server.get("/api/items?async=dispatch", "X-Api-Key", KEY).statusCode()).isEqualTo(200);
    assertThat(server.get("/api/items?async=fail", "X-Api-Key", KEY).statusCode()).isEqualTo(503);

    store.awaitSettles(3);
    assertThat(usedToday("acme")).as("the failed async request is refunded").isEqualTo(2);
    assertThat(store.settles.get()).isEqualTo(3);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Container.class)
  void idempotentRetriesAreChargedOnceAndARepeatedKeyIs400(Container container) throws Exception {
    start(container, b -> {});

    HttpResponse<String> first = server.send("POST", "/api/reports/1", "X-Api-Key", KEY, "Idempotency-Key", "o-1");
    HttpResponse<String> retry = server.send("POST", "/api/reports/1", "X-Api-Key", KEY, "Idempotency-Key", "o-1");
    HttpResponse<String> twice = server.send("POST", "/api/reports/1", "X-Api-Key", KEY,
        "Idempotency-Key", "o-2", "Idempotency-Key", "o-3");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(header(retry, "RateLimit")).isEqualTo(header(first, "RateLimit"));
    assertThat(twice.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(twice.body()).get("type").asText()).endsWith("/invalid-idempotency-key");
    store.awaitSettles(1);
    assertThat(usedToday("acme")).isEqualTo(5);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Container.class)
  void malformedInitParamStopsTheApplicationNamingTheParam(Container container) {
    Map<String, String> params = Map.of("plans", "free = day:10", "default-plan", "free", "api-keys", "k = a",
        "charge-policy", "sometimes");

    assertThatThrownBy(() -> server = startWithInitParams(container, params))
        .isInstanceOf(Container.StartupFailed.class)
        .hasStackTraceContaining("init-param 'charge-policy'")
        .hasStackTraceContaining("sometimes");
  }

  // ---- hostile input and HTTP semantics ---------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @EnumSource(Container.class)
  void hostileCostRuleIsMatchedOnALongPathAtOnce(Container container) throws Exception {
    start(container, b -> {});
    String matching = "/api" + "/x".repeat(3_500) + "/y"; // 7 KB: the request line fits both containers' 8 KB
    String failing = "/api" + "/x".repeat(3_500) + "/z";

    assertThat(server.get(failing).statusCode()).as("no key: refused, after the rule is decided").isEqualTo(401);
    assertThat(server.get(matching, "X-Api-Key", PRO_KEY).statusCode()).isEqualTo(200);
    assertThat(server.get(failing, "X-Api-Key", PRO_KEY).statusCode()).isEqualTo(200);

    store.awaitSettles(2);
    assertThat(usedToday("pro")).as("2 for the matching path, the default 1 for the other").isEqualTo(3);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Container.class)
  void headCostsWhatGetCostsUnlessAHeadRuleSaysOtherwise(Container container) throws Exception {
    start(container, b -> {});

    HttpResponse<String> head = server.send("HEAD", "/api/reports/1", "X-Api-Key", PRO_KEY);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    store.awaitSettles(1);
    assertThat(usedToday("pro")).as("GET /api/reports/* = 3").isEqualTo(3);

    int charges = store.charges.get();
    HttpResponse<String> cheap = server.send("HEAD", "/api/cheap/1");
    assertThat(cheap.statusCode()).as("HEAD /api/cheap/* = 0: free, no key needed").isEqualTo(200);
    assertThat(store.charges.get()).isEqualTo(charges);
    assertThat(server.get("/api/cheap/1", "X-Api-Key", PRO_KEY).statusCode()).isEqualTo(200);
    store.awaitSettles(1);
    assertThat(usedToday("pro")).isEqualTo(7);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Container.class)
  void corsPreflightPassesUnbilledWithoutAKeyButPlainOptionsIsBilled(Container container) throws Exception {
    start(container, b -> {});

    HttpResponse<String> preflight = server.send("OPTIONS", "/api/reports/1", "Origin", "https://app.example",
        "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-api-key");
    assertThat(preflight.statusCode()).isEqualTo(200);
    assertThat(preflight.headers().firstValue("RateLimit")).isEmpty();
    assertThat(store.charges.get()).isZero();

    assertThat(server.send("OPTIONS", "/api/reports/1", "Origin", "https://app.example").statusCode())
        .as("OPTIONS without Access-Control-Request-Method is no preflight").isEqualTo(401);
    assertThat(server.send("OPTIONS", "/api/reports/1", "X-Api-Key", KEY).statusCode()).isEqualTo(200);
    store.awaitSettles(1);
    assertThat(usedToday("acme")).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Container.class)
  void corsPreflightFollowsTheCostRulesWhenSetToBilled(Container container) throws Exception {
    server = startWithInitParams(container, Map.of("plans", "free = day:10", "default-plan", "free",
        "api-keys", KEY + " = acme", "cors-preflight", "billed"));

    HttpResponse<String> preflight = server.send("OPTIONS", "/api/items", "Origin", "https://app.example",
        "Access-Control-Request-Method", "GET");

    assertThat(preflight.statusCode()).isEqualTo(401);
    assertThatThrownBy(() -> startWithInitParams(container, Map.of("plans", "free = day:10",
        "default-plan", "free", "api-keys", "k = a", "cors-preflight", "sometimes")))
        .hasStackTraceContaining("init-param 'cors-preflight': must be 'free' or 'billed' but was 'sometimes'");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Container.class)
  void differentCredentialsInOneRequestAre400AndIdenticalOnesPass(Container container) throws Exception {
    start(container, b -> {});
    List<HttpResponse<String>> ambiguous = List.of(
        server.get("/api/items", "X-Api-Key", KEY, "X-Api-Key", PRO_KEY),
        server.get("/api/items", "X-Api-Key", KEY, "Authorization", "Bearer " + PRO_KEY),
        server.get("/api/items", "X-Api-Key", "no-such-key", "X-Api-Key", KEY),
        server.get("/api/items", "Authorization", "Bearer " + KEY, "Authorization", "Bearer " + PRO_KEY));

    for (HttpResponse<String> r : ambiguous) {
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(header(r, "Content-Type")).startsWith("application/problem+json");
      assertThat(JSON.readTree(r.body()).get("type").asText()).endsWith("/ambiguous-credentials");
      assertThat(r.body()).doesNotContain(KEY).doesNotContain(PRO_KEY);
    }
    assertThat(store.charges.get()).isZero();
    HttpResponse<String> status = server.get("/billing/status", "X-Api-Key", KEY, "X-Api-Key", PRO_KEY);
    assertThat(status.statusCode()).as("the status endpoint names no client either").isEqualTo(400);
    assertThat(server.get("/billing/status", "X-Api-Key", KEY, "X-Api-Key", KEY).statusCode()).isEqualTo(200);

    assertThat(server.get("/api/items", "X-Api-Key", KEY, "X-Api-Key", KEY).body()).isEqualTo("ok acme");
    assertThat(server.get("/api/items", "X-Api-Key", KEY, "Authorization", "Bearer " + KEY).body())
        .isEqualTo("ok acme");
    assertThat(server.get("/api/items", "X-Api-Key", KEY, "Authorization", "Basic dXNlcjpwdw==").body())
        .as("another scheme is not an API key").isEqualTo("ok acme");
    store.awaitSettles(3);
    assertThat(usedToday("acme")).isEqualTo(3);
    assertThat(usedToday("pro")).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Container.class)
  void statusEndpointAnswersOtherMethodsWithA405ProblemAndAllow(Container container) throws Exception {
    start(container, b -> { });

    for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
      HttpResponse<String> r = server.send(method, "/billing/status", "X-Api-Key", KEY);

      assertThat(r.statusCode()).as(method).isEqualTo(405);
      assertThat(header(r, "Content-Type")).as(method).startsWith("application/problem+json");
      assertThat(header(r, "Allow")).as(method).isEqualTo("GET, HEAD, OPTIONS");
      JsonNode problem = JSON.readTree(r.body());
      assertThat(problem.get("type").asText()).as(method).endsWith("/method-not-allowed");
      assertThat(problem.get("status").asInt()).as(method).isEqualTo(405);
    }
    HttpResponse<String> trace = server.send("TRACE", "/billing/status", "X-Api-Key", KEY);
    assertThat(trace.statusCode()).as("TRACE, refused by the container or by the servlet").isEqualTo(405);
    assertThat(trace.body()).as("TRACE echoes no key back").doesNotContain(KEY);
    HttpResponse<String> head = server.send("HEAD", "/billing/status", "X-Api-Key", KEY);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(header(server.send("OPTIONS", "/billing/status"), "Allow")).isEqualTo("GET, HEAD, OPTIONS");
    assertThat(store.charges.get()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Container.class)
  void initLogsOneLineWithTheEffectiveSettingsAndNoSecrets(Container container) throws Exception {
    try (LogCapture log = new LogCapture(ApiBillingFilter.class)) {
      server = startWithInitParams(container, Map.of(
          "store", "test-store:startup-" + container + "?password=hunter2",
          "plans", "free = day:10; pro = day:100", "clients", "acme = pro, globex = pro, initech = free",
          "api-keys", KEY + " = acme", "header-style", "ietf", "charge-policy", "success-2xx",
          "store-failure", "fail-closed"));

      List<LogRecord> info = log.records.stream().filter(r -> r.getLevel() == Level.INFO).toList();
      assertThat(info).hasSize(1);
      assertThat(info.get(0).getMessage())
          .isEqualTo("ApiBillingFilter 'billing' started: store=test-store:startup-" + container
              + ", plans=2, clients=3, default-plan=(none), resolver=api-key(X-Api-Key, Authorization: Bearer),"
              + " costs=0 rules (default 1), header-style=ietf, charge-policy=success-2xx,"
              + " store-failure-policy=fail-closed, bill-cors-preflight=false")
          .doesNotContain("hunter2");
    }
  }
}
