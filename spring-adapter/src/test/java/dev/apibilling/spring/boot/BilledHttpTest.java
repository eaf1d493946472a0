package dev.apibilling.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apibilling.ApiBilling;
import dev.apibilling.EventDetails;
import dev.apibilling.QuotaState;
import dev.apibilling.UsageEvent;
import dev.apibilling.tck.MutableClock;
import dev.apibilling.tck.SwitchableStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The auto-configured billing of a Spring Boot application on a real embedded server, called over real
 * HTTP. Each test uses a client of its own (see application.properties); the clock is reset before each.
 */
@SpringBootTest(classes = BillingTestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class BilledHttpTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  @Value("${local.server.port}")
  int port;

  @Autowired
  ApiBilling billing;

  @Autowired
  MutableClock clock;

  @Autowired
  SwitchableStore store;

  @Autowired
  MeterRegistry registry;

  @Autowired
  Settles settles;

  @BeforeEach
  void resetClockAndStore() {
    clock.set(Instant.parse(BillingTestApp.START));
    store.fail(false);
  }

  // ---- billing per annotation -------------------------------------------------------------------

  @Test
  void usageEventsNameTheHandlerItsRouteTheStatusAndTheRecordedHeader() throws Exception {
    assertThat(settled("events", () -> get("/api/sized/xl", "key-events", "X-Workflow-Id", "wf-7")).statusCode())
        .isEqualTo(200);
    List<UsageEvent> events = billing.usageEvents("events", Instant.EPOCH,
        Instant.parse(BillingTestApp.START).plusSeconds(60), null, 10).events();
    assertThat(events).hasSize(1);
    UsageEvent e = events.get(0);
    assertThat(e.credits()).isEqualTo(10);
    assertThat(e.details()).isEqualTo(new EventDetails("Api#sized", "GET", "GET /api/sized/{size}", 200));
    assertThat(e.metadata()).containsEntry("x-workflow-id", "wf-7");
  }

  @Test
  void billedMethodCostsOneCreditAndAnswersWithRateLimitFields() throws Exception {
    HttpResponse<String> r = settled("annotated", () -> get("/api/ping", "key-annotated"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("pong");
    assertThat(used("annotated", "day")).isEqualTo(1);
    // 12:00 UTC: the day resets in 12 h; the month anchored on Jan 31 runs Feb 28 to Mar 31 (31 days)
    assertThat(header(r, "RateLimit-Policy")).isEqualTo("\"day\";q=100;w=86400, \"month\";q=1000;w=2678400");
    assertThat(header(r, "RateLimit")).isEqualTo("\"day\";r=99;t=43200, \"month\";r=999;t=1771200");
    assertThat(header(r, "X-RateLimit-Limit")).isEqualTo("100");
    assertThat(header(r, "X-RateLimit-Remaining")).isEqualTo("99");
    assertThat(header(r, "X-RateLimit-Reset"))
        .isEqualTo(Long.toString(Instant.parse("2026-03-11T00:00:00Z").getEpochSecond()));
    assertThat(r.headers().firstValue("Retry-After")).isEmpty();
  }

  @Test
  void creditsOfTheAnnotationAreCharged() throws Exception {
    assertThat(settled("credits", () -> post("/api/reports", "key-credits")).statusCode()).isEqualTo(200);
    assertThat(settled("credits", () -> post("/api/reports", "key-credits")).statusCode()).isEqualTo(200);

    assertThat(used("credits", "day")).isEqualTo(10);
    assertThat(used("credits", "month")).isEqualTo(10);
  }

  @Test
  void classLevelBilledAppliesToMethodsAndAMethodAnnotationOverridesIt() throws Exception {
    assertThat(settled("perclass", () -> get("/api/class/inherited", "key-perclass")).statusCode()).isEqualTo(200);
    assertThat(used("perclass", "day")).isEqualTo(2);

    assertThat(settled("perclass", () -> get("/api/class/override", "key-perclass")).statusCode()).isEqualTo(200);
    assertThat(used("perclass", "day")).isEqualTo(5);

    HttpResponse<String> free = get("/api/class/free", "key-perclass");
    assertThat(free.statusCode()).isEqualTo(200);
    assertThat(used("perclass", "day")).isEqualTo(5);
    assertThat(free.headers().firstValue("RateLimit")).isEmpty();
  }

  @Test
  void inheritedHandlerMethodIsBilledPerControllerClass() throws Exception {
    assertThat(settled("inherit", () -> get("/api/cheap/items", "key-inherit")).statusCode()).isEqualTo(200);
    assertThat(used("inherit", "day")).isEqualTo(1);
    assertThat(settled("inherit", () -> get("/api/dear/items", "key-inherit")).statusCode()).isEqualTo(200);
    assertThat(used("inherit", "day")).isEqualTo(1 + 6);
  }

  @Test
  void methodsWithoutBilledAreBilledOnlyByCostRules() throws Exception {
    HttpResponse<String> ruled = settled("ruled", () -> get("/api/plain/ruled", "key-ruled"));
    assertThat(ruled.statusCode()).isEqualTo(200);
    assertThat(used("ruled", "day")).isEqualTo(4);
    assertThat(header(ruled, "X-RateLimit-Remaining")).isEqualTo("96");

    HttpResponse<String> open = get("/api/plain/open", null);
    assertThat(open.statusCode()).isEqualTo(200);
    assertThat(open.headers().firstValue("RateLimit")).isEmpty();
    assertThat(used("ruled", "day")).isEqualTo(4);
  }

  // ---- computed cost ------------------------------------------------------------------------------

  @Test
  void costExpressionPricesTheRequestFromItsParameters() throws Exception {
    assertThat(settled("spel", () -> get("/api/pages?pages=7", "key-spel")).statusCode()).isEqualTo(200);
    assertThat(used("spel", "day")).isEqualTo(7);

    assertThat(settled("spel", () -> get("/api/sized/xl", "key-spel")).statusCode()).isEqualTo(200);
    assertThat(settled("spel", () -> get("/api/sized/s", "key-spel")).statusCode()).isEqualTo(200);
    assertThat(used("spel", "day")).isEqualTo(7 + 10 + 2);
  }

  @Test
  void costExpressionWithoutItsInputAnswers400AndChargesNothing() throws Exception {
    long before = used("spel", "day");
    HttpResponse<String> missing = get("/api/pages", "key-spel");
    HttpResponse<String> notANumber = get("/api/pages?pages=many", "key-spel");
    HttpResponse<String> negative = get("/api/pages?pages=-3", "key-spel");

    for (HttpResponse<String> r : List.of(missing, notANumber, negative)) {
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(header(r, "Content-Type")).startsWith("application/problem+json");
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.path("type").asText()).isEqualTo("https://apibilling.dev/problems/bad-request");
      assertThat(body.path("status").asInt()).isEqualTo(400);
      assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }
    assertThat(JSON.readTree(notANumber.body()).path("detail").asText())
        .isEqualTo("cost must be a whole number of credits but was 'many'");
    assertThat(used("spel", "day")).isEqualTo(before);
  }

  @Test
  void costFunctionBeanPricesTheRequest() throws Exception {
    assertThat(settled("function", () -> get("/api/tokens", "key-function", "X-Tokens", "12")).statusCode()).isEqualTo(200);
    assertThat(used("function", "day")).isEqualTo(12);

    HttpResponse<String> unpriced = get("/api/tokens", "key-function");
    assertThat(unpriced.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(unpriced.body()).path("detail").asText()).isEqualTo("X-Tokens header is required");
    assertThat(used("function", "day")).isEqualTo(12);
  }

  @Test
  void actualCostReportedByTheHandlerIsCommittedInsteadOfTheReservation() throws Exception {
    assertThat(settled("actual", () -> get("/api/actual?used=4", "key-actual")).statusCode()).isEqualTo(200);
    assertThat(used("actual", "day")).isEqualTo(4);

    assertThat(settled("actual", () -> get("/api/actual?used=25", "key-actual")).statusCode()).isEqualTo(200);
    assertThat(used("actual", "day")).isEqualTo(4 + 10); // never more than reserved
  }

  // ---- spent quota --------------------------------------------------------------------------------

  @Test
  void spentQuotaAnswers429WithRetryAfterHeadersAndProblemBody() throws Exception {
    for (int i = 0; i < 5; i++) {
      assertThat(get("/api/ping", "key-spent").statusCode()).isEqualTo(200);
    }
    HttpResponse<String> r = get("/api/ping", "key-spent");

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(header(r, "Content-Type")).startsWith("application/problem+json");
    assertThat(header(r, "Retry-After")).isEqualTo("43200");
    assertThat(header(r, "RateLimit-Policy")).isEqualTo("\"day\";q=5;w=86400");
    assertThat(header(r, "RateLimit")).isEqualTo("\"day\";r=0;t=43200");
    assertThat(header(r, "X-RateLimit-Remaining")).isEqualTo("0");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("type").asText()).isEqualTo("https://apibilling.dev/problems/quota-exceeded");
    assertThat(body.path("status").asInt()).isEqualTo(429);
    assertThat(body.path("policy").asText()).isEqualTo("day");
    assertThat(body.path("limit").asLong()).isEqualTo(5);
    assertThat(body.path("remaining").asLong()).isZero();
    assertThat(body.path("requested").asLong()).isEqualTo(1);
    assertThat(body.path("reset").asText()).isEqualTo("2026-03-11T00:00:00Z");
    assertThat(used("spent", "day")).isEqualTo(5);

    clock.advance(Duration.ofHours(12));
    assertThat(get("/api/ping", "key-spent").statusCode()).isEqualTo(200);
  }

  @Test
  void concurrentBurstIsGrantedExactlyTheLimit() throws Exception {
    long settledBefore = settleCalls("burst");
    List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      burst.add(HTTP.sendAsync(request("/api/ping", "key-burst").GET().build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    Map<Integer, Long> byStatus = burst.stream().map(CompletableFuture::join)
        .collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));

    assertThat(byStatus).containsOnly(entry(200, 5L), entry(429, 15L));
    awaitSettleCalls("burst", settledBefore + 5);
    assertThat(used("burst", "day")).isEqualTo(5);
  }

  @Test
  void quotaExceptionThrownInAControllerBecomes429ProblemDespiteACatchAllHandler() throws Exception {
    assertThat(getAs("/api/direct", "direct", 3).statusCode()).isEqualTo(200);
    HttpResponse<String> r = getAs("/api/direct", "direct", 3);

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(header(r, "Content-Type")).startsWith("application/problem+json");
    assertThat(header(r, "Retry-After")).isEqualTo("43200");
    assertThat(header(r, "RateLimit")).isEqualTo("\"day\";r=2;t=43200");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("type").asText()).isEqualTo("https://apibilling.dev/problems/quota-exceeded");
    assertThat(body.path("requested").asLong()).isEqualTo(3);
    assertThat(body.path("remaining").asLong()).isEqualTo(2);
    assertThat(used("direct", "day")).isEqualTo(3);
  }

  @Test
  void unknownClientThrownInAControllerBecomes403Problem() throws Exception {
    HttpResponse<String> r = getAs("/api/direct", "nobody", 1);

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(r.body()).path("type").asText())
        .isEqualTo("https://apibilling.dev/problems/unknown-client");
  }

  // ---- refunds ------------------------------------------------------------------------------------

  @Test
  void serverErrorsAreRefunded() throws Exception {
    HttpResponse<String> thrown = settled("refund", () -> get("/api/boom", "key-refund"));
    HttpResponse<String> caught = settled("refund", () -> get("/api/caught", "key-refund"));
    HttpResponse<String> answered = settled("refund", () -> get("/api/unavailable", "key-refund"));

    assertThat(thrown.statusCode()).isEqualTo(500);
    assertThat(thrown.body()).doesNotContain("\tat ");
    assertThat(caught.statusCode()).isEqualTo(500);
    assertThat(caught.body()).isEqualTo("caught IllegalStateException");
    assertThat(answered.statusCode()).isEqualTo(503);
    assertThat(used("refund", "day")).isZero();

    assertThat(settled("refund", () -> get("/api/ping", "key-refund")).statusCode()).isEqualTo(200);
    assertThat(used("refund", "day")).isEqualTo(1);
  }

  @Test
  void asyncHandlerIsChargedWhenItCompletes() throws Exception {
    long settled = settleCalls("async");
    HttpResponse<String> r = get("/api/async", "key-async");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("later");
    assertThat(header(r, "X-RateLimit-Remaining")).isEqualTo("97");
    awaitSettleCalls("async", settled + 1);
    // committed, not merely held: a reservation left unsettled would be given back once it expires
    clock.advance(Duration.ofMinutes(11));
    assertThat(settled("async", () -> get("/api/ping", "key-async")).statusCode()).isEqualTo(200);
    assertThat(used("async", "day")).isEqualTo(3 + 1);
  }

  @Test
  void asyncResultReadyBeforeTheHandlerReturnsIsSettledWithItsFinalStatus() throws Exception {
    HttpResponse<String> r = settled("asyncready", () -> get("/api/async-ready", "key-asyncready"));

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(used("asyncready", "day")).as("a 503, not the 200 the response had when async started").isZero();
  }

  @Test
  void retryWithTheSameIdempotencyKeyIsChargedOnce() throws Exception {
    assertThat(settled("idem", () -> post("/api/reports", "key-idem", "Idempotency-Key", "order-42")).statusCode())
        .isEqualTo(200);
    HttpResponse<String> retry = post("/api/reports", "key-idem", "Idempotency-Key", "order-42");
    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(header(retry, "X-RateLimit-Remaining")).isEqualTo("95");
    assertThat(used("idem", "day")).isEqualTo(5);

    HttpResponse<String> malformed = post("/api/reports", "key-idem", "Idempotency-Key", "\"open");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(malformed.body()).path("type").asText())
        .isEqualTo("https://apibilling.dev/problems/invalid-idempotency-key");
  }

  // ---- who is calling -----------------------------------------------------------------------------

  @Test
  void requestWithoutKeyAnswers401AndWithUnknownKey403() throws Exception {
    HttpResponse<String> none = get("/api/ping", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(header(none, "WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(header(none, "Content-Type")).startsWith("application/problem+json");
    assertThat(JSON.readTree(none.body()).path("type").asText())
        .isEqualTo("https://apibilling.dev/problems/missing-client");

    HttpResponse<String> unknown = get("/api/ping", "key-nobody-has");
    assertThat(unknown.statusCode()).isEqualTo(403);
    assertThat(header(unknown, "Content-Type")).startsWith("application/problem+json");
    assertThat(JSON.readTree(unknown.body()).path("type").asText())
        .isEqualTo("https://apibilling.dev/problems/unknown-client");
    assertThat(unknown.body()).doesNotContain("key-nobody-has");
  }

  @Test
  void authenticatedPrincipalIsTheClientBeforeAnyApiKey() throws Exception {
    HttpResponse<String> r = settled("alice", () -> get("/api/ping", "key-bearer", "X-Test-User", "alice"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(used("alice", "day")).isEqualTo(1);
    assertThat(get("/api/ping", null, "X-Test-User", "mallory").statusCode()).isEqualTo(403);
  }

  @Test
  void bearerTokenIsReadAsApiKey() throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/ping"))
        .header("Authorization", "Bearer key-bearer").GET().build());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(header(r, "RateLimit")).startsWith("\"day\";r=");
  }

  @Test
  void differentApiKeysInOneRequestAre400AndChargeNothing() throws Exception {
    List<HttpResponse<String>> ambiguous = List.of(
        get("/api/ping", "key-twokeys-a", "X-Api-Key", "key-twokeys-b"),
        get("/api/ping", "key-twokeys-a", "Authorization", "Bearer key-twokeys-b"));

    for (HttpResponse<String> r : ambiguous) {
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(header(r, "Content-Type")).startsWith("application/problem+json");
      assertThat(JSON.readTree(r.body()).path("type").asText())
          .isEqualTo("https://apibilling.dev/problems/ambiguous-credentials");
      assertThat(r.body()).doesNotContain("key-twokeys");
    }
    assertThat(used("twokeys-a", "day")).isZero();
    assertThat(used("twokeys-b", "day")).isZero();

    HttpResponse<String> same = settled("twokeys-a", () -> get("/api/ping", "key-twokeys-a", "X-Api-Key", "key-twokeys-a",
        "Authorization", "Bearer key-twokeys-a"));
    assertThat(same.statusCode()).as("the same key twice is one key").isEqualTo(200);
    assertThat(used("twokeys-a", "day")).isEqualTo(1);
  }

  // ---- HTTP methods -------------------------------------------------------------------------------

  @Test
  void headCostsWhatGetCostsByCostRuleAndByAnnotation() throws Exception {
    HttpResponse<String> ruled = settled("head", () -> send(request("/api/plain/ruled", "key-head")
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build()));
    assertThat(ruled.statusCode()).isEqualTo(200);
    assertThat(ruled.body()).isEmpty();
    assertThat(used("head", "day")).as("GET /api/plain/ruled = 4").isEqualTo(4);

    HttpResponse<String> annotated = settled("head", () -> send(request("/api/sized/xl", "key-head")
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build()));
    assertThat(annotated.statusCode()).isEqualTo(200);
    assertThat(used("head", "day")).as("@Billed of the GET handler: 10").isEqualTo(14);
  }

  @Test
  void corsPreflightIsNeitherBilledNorAskedForAKey() throws Exception {
    for (String path : List.of("/api/ping", "/api/plain/ruled")) {
      HttpResponse<String> r = send(request(path, null, "Origin", "https://app.example",
          "Access-Control-Request-Method", "GET").method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
      // Spring's own CORS handling answers it (403 without a CORS configuration); billing stays out
      assertThat(r.statusCode()).as(path).isNotIn(400, 401, 429);
      assertThat(r.body()).as(path).doesNotContain("apibilling.dev/problems");
      assertThat(r.headers().firstValue("RateLimit")).as(path).isEmpty();
    }
    HttpResponse<String> withKey = send(request("/api/ping", "key-preflight", "Origin", "https://app.example",
        "Access-Control-Request-Method", "GET").method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
    assertThat(withKey.headers().firstValue("RateLimit")).isEmpty();
    assertThat(used("preflight", "day")).isZero();
  }

  // ---- store failure and metrics -----------------------------------------------------------------

  @Test
  void failedStoreServesTheRequestUnbilledAndCountsIt() throws Exception {
    FunctionCounter failures = registry.get("apibilling.http.store.failures").tag("phase", "decide").functionCounter();
    double before = failures.count();
    store.fail(true);
    HttpResponse<String> r;
    try {
      r = get("/api/ping", "key-failopen");
    } finally {
      store.fail(false);
    }

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("RateLimit")).isEmpty();
    assertThat(failures.count()).isEqualTo(before + 1);
    assertThat(used("failopen", "day")).isZero();
  }

  @Test
  void decisionsAndCreditsAreRecordedInTheMeterRegistry() throws Exception {
    double granted = count("apibilling.decisions", "outcome", "granted");
    double denied = count("apibilling.decisions", "outcome", "denied");
    double grantedCredits = count("apibilling.credits", "outcome", "granted");

    for (int i = 0; i < 5; i++) {
      get("/api/ping", "key-metrics");
    }
    assertThat(get("/api/ping", "key-metrics").statusCode()).isEqualTo(429);

    assertThat(count("apibilling.decisions", "outcome", "granted")).isEqualTo(granted + 5);
    assertThat(count("apibilling.decisions", "outcome", "denied")).isEqualTo(denied + 1);
    assertThat(count("apibilling.credits", "outcome", "granted")).isEqualTo(grantedCredits + 5);
    assertThat(registry.get("apibilling.decisions").tag("outcome", "denied").tag("policy", "day").counter().count())
        .isGreaterThanOrEqualTo(1);
    assertThat(registry.get("apibilling.store.calls").tag("operation", "charge").timer().count()).isPositive();
    assertThat(registry.find("apibilling.decisions").tagKeys("client").counters()).isEmpty();
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private double count(String name, String tag, String value) {
    return registry.find(name).tag(tag, value).counters().stream().mapToDouble(Counter::count).sum();
  }

  private long used(String client, String policy) {
    return billing.status(client).quotas().stream()
        .filter(q -> q.policy().equals(policy)).mapToLong(QuotaState::used).findFirst().orElseThrow();
  }

  /**
   * Sends a request that reserves credits and waits until its reservation is settled: the server
   * settles after the handler, which may be just after the client has the whole response.
   */
  private HttpResponse<String> settled(String client, Call call) throws Exception {
    long before = settleCalls(client);
    HttpResponse<String> r = call.send();
    awaitSettleCalls(client, before + 1);
    return r;
  }

  @FunctionalInterface
  private interface Call {
    HttpResponse<String> send() throws Exception;
  }

  private long settleCalls(String client) {
    return settles.count(client);
  }

  /** Waits, bounded, for a settlement that the server may make just after the response was sent. */
  private void awaitSettleCalls(String client, long expected) throws InterruptedException {
    assertThat(settles.await(client, expected, Duration.ofSeconds(5))).isEqualTo(expected);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private HttpResponse<String> get(String path, String apiKey, String... headers) throws IOException, InterruptedException {
    return send(request(path, apiKey, headers).GET().build());
  }

  private HttpResponse<String> post(String path, String apiKey, String... headers) throws IOException, InterruptedException {
    return send(request(path, apiKey, headers).POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  private HttpResponse<String> getAs(String path, String client, long credits) throws IOException, InterruptedException {
    return send(request(path, null, "X-Client", client, "X-Credits", Long.toString(credits)).GET().build());
  }

  private HttpRequest.Builder request(String path, String apiKey, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
    if (apiKey != null) {
      b.header("X-Api-Key", apiKey);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  private static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElseThrow(() -> new AssertionError("no " + name + " header"));
  }
}
