package dev.apibilling.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apibilling.ApiBilling;
import dev.apibilling.tck.MutableClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.test.context.TestPropertySource;

/**
 * What a request to a {@code @Billed} handler of an application secured by real Spring Security costs,
 * over real HTTP; each subclass authenticates its own way. Users: alice and admin (1000 credits a day),
 * dave (2 a day), bob (authenticated, no plan); carol is known to apibilling only, by an API key.
 */
@TestPropertySource(properties = {
    "apibilling.plans.big=day:1000",
    "apibilling.plans.two=day:2",
    "apibilling.clients.alice.plan=big",
    "apibilling.clients.admin.plan=big",
    "apibilling.clients.dave.plan=two",
    "apibilling.clients.carol.plan=big",
    "apibilling.clients.carol.api-keys=carol-token",
    "apibilling.default-credits=1",
    "logging.level.dev.apibilling=info"})
abstract class SecuredHttpTests {

  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final ObjectMapper JSON = new ObjectMapper();

  /** What the adapter logs (System.Logger goes to java.util.logging), from before the context starts. */
  static final List<String> LOGGED = new CopyOnWriteArrayList<>();
  private static final Logger ADAPTER_LOG = Logger.getLogger("dev.apibilling.spring");

  static {
    ADAPTER_LOG.addHandler(new Handler() {
      @Override
      public void publish(LogRecord record) {
        LOGGED.add(record.getLevel() + " " + record.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    });
  }

  @Value("${local.server.port}")
  int port;

  @Autowired
  ApiBilling billing;

  @Autowired
  MutableClock clock;

  @Autowired
  Settles settles;

  /** The header fields that authenticate {@code user} in this variant. */
  abstract String[] credentials(String user);

  /** The {@code WWW-Authenticate} apibilling answers an anonymous request to a billed handler with. */
  abstract String challenge();

  @BeforeEach
  void resetClock() {
    clock.set(Instant.parse(SecuredApp.START));
  }

  // ---- what a refused or failed request costs ------------------------------------------------

  @Test
  void nestedSpentQuotaIsAnswered429AndTheHandlersOwnCreditsAreReleased() throws Exception {
    long before = used("alice");

    HttpResponse<String> r = settled("alice", () -> get("/api/secure/nested?credits=5000", credentials("alice")));

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
    assertThat(JSON.readTree(r.body()).get("type").asText()).endsWith("/quota-exceeded");
    assertThat(header(r, "Retry-After")).isNotEmpty();
    assertThat(used("alice")).as("the @Billed credits are released, not charged").isEqualTo(before);

    assertThat(settled("alice", () -> get("/api/secure/nested?credits=5", credentials("alice"))).statusCode())
        .isEqualTo(200);
    assertThat(used("alice")).as("both charges of a request that succeeds").isEqualTo(before + 2 + 5);
  }

  @Test
  void nestedSpentQuotaInAnAsynchronousHandlerIsNotChargedEither() throws Exception {
    long before = used("alice");

    HttpResponse<String> spent = settled("alice", () -> get("/api/secure/nested-async?credits=5000", credentials("alice")));
    HttpResponse<String> unknown = settled("alice", () -> get("/api/secure/nested-async?credits=1&client=nobody-at-all",
        credentials("alice")));

    assertThat(spent.statusCode()).isEqualTo(429);
    assertThat(unknown.statusCode()).as(unknown.body() + unknown.headers()).isEqualTo(403);
    assertThat(used("alice")).as("DEBUG " + unknown.body()).isEqualTo(before);
    assertThat(used("alice")).as("a 403 is charged below 500 unless apibilling refused it").isEqualTo(before);
  }

  @Test
  void unknownClientRaisedByTheHandlerIs403AndNotCharged() throws Exception {
    long before = used("alice");

    HttpResponse<String> r = settled("alice", () -> get("/api/secure/unknown", credentials("alice")));

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(r.body()).get("type").asText()).endsWith("/unknown-client");
    assertThat(used("alice")).isEqualTo(before);
  }

  @Test
  void notFoundRaisedByTheHandlerIsNotChargedButOtherClientErrorsAre() throws Exception {
    long before = used("alice");

    assertThat(settled("alice", () -> get("/api/secure/status?code=404", credentials("alice"))).statusCode())
        .isEqualTo(404);
    assertThat(used("alice")).as("404 costs nothing under below-500").isEqualTo(before);
    assertThat(settled("alice", () -> get("/api/secure/status?code=429", credentials("alice"))).statusCode())
        .isEqualTo(429);
    assertThat(used("alice")).as("nor does a 429 whoever raised it").isEqualTo(before);

    assertThat(settled("alice", () -> get("/api/secure/status?code=409", credentials("alice"))).statusCode())
        .isEqualTo(409);
    assertThat(used("alice")).as("the handler judged the request: charged").isEqualTo(before + 2);
  }

  @Test
  void routeThatDoesNotExistIsNotChargedAlthoughDefaultCreditsBillEveryHandler() throws Exception {
    long before = used("alice");

    HttpResponse<String> missing = settled("alice", () -> get("/api/secure/no-such-route", credentials("alice")));

    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(header(missing, "RateLimit")).as("billed by default-credits first").isNotEmpty();
    assertThat(used("alice")).as("then refunded: a 404").isEqualTo(before);
  }

  @Test
  void defaultCreditsAlsoBillBootsErrorPathWhenRequestedDirectly() throws Exception {
    HttpResponse<String> anonymous = get("/error");
    assertThat(anonymous.statusCode()).as("open to everyone, yet billed: it needs a client").isEqualTo(401);

    HttpResponse<String> r = settled("alice", () -> get("/error", credentials("alice")));
    assertThat(header(r, "RateLimit")).isNotEmpty();
  }

  @Test
  void refundedResponseCarriesTheFieldsOfTheReservationNotOfTheRefund() throws Exception {
    long before = used("alice");

    HttpResponse<String> r = settled("alice", () -> get("/api/secure/fail", credentials("alice")));

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(header(r, "X-RateLimit-Remaining")).isEqualTo(Long.toString(1000 - before - 2));
    assertThat(used("alice")).isEqualTo(before);
  }

  // ---- who is calling -----------------------------------------------------------------------------

  @Test
  void anonymousRequestToAPermittedBilledHandlerIs401WithAChallenge() throws Exception {
    HttpResponse<String> r = get("/api/public/billed");

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly(challenge());
    assertThat(JSON.readTree(r.body()).get("type").asText()).endsWith("/missing-client");
  }

  @Test
  void authenticatedUserIsTheClientOfAPermittedBilledHandler() throws Exception {
    long before = used("alice");
    assertThat(settled("alice", () -> get("/api/public/billed", credentials("alice"))).body()).isEqualTo("public");
    assertThat(used("alice")).isEqualTo(before + 2);
  }

  @Test
  void authenticatedUserWithoutAPlanGets403UnknownClientAndTheHandlerDoesNotRun() throws Exception {
    HttpResponse<String> r = get("/api/secure/ping", credentials("bob"));

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(r.body()).get("type").asText()).endsWith("/unknown-client");
    assertThat(r.body()).doesNotContain("pong");
  }

  @Test
  void startUpLineNamesTheResolverInEffect() {
    assertThat(LOGGED).anyMatch(line -> line.startsWith("INFO apibilling bills Spring MVC requests: client "
        + "resolver principal") && line.contains("charge policy below-500"));
  }

  // ---- where billing runs relative to Spring Security ----------------------------------------------

  @Test
  void urlSecurityDeniesBeforeBillingSoAnOutOfQuotaUserGets403() throws Exception {
    spend("dave");

    HttpResponse<String> r = get("/api/staff/report", credentials("dave"));

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("RateLimit")).as("never reached billing").isEmpty();
  }

  @Test
  void billingRunsBeforeMethodSecuritySoAnOutOfQuotaUserGets429() throws Exception {
    spend("dave");

    HttpResponse<String> r = get("/api/secure/admin", credentials("dave"));

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(JSON.readTree(r.body()).get("type").asText()).endsWith("/quota-exceeded");
  }

  @Test
  void methodSecurityDenialOfAnInQuotaUserIs403AndReleased() throws Exception {
    long before = used("alice");

    HttpResponse<String> denied = settled("alice", () -> get("/api/secure/admin", credentials("alice")));

    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(used("alice")).as("the handler threw AccessDeniedException: refunded").isEqualTo(before);
    long adminBefore = used("admin");
    assertThat(settled("admin", () -> get("/api/secure/admin", credentials("admin"))).body()).isEqualTo("admin");
    assertThat(used("admin")).isEqualTo(adminBefore + 2);
  }

  @Test
  void filterOrderedAfterSpringSecurityBillsAWholePathOnceAtItsOwnCost() throws Exception {
    long before = used("alice");

    assertThat(settled("alice", () -> get("/api/metered/plain", credentials("alice"))).body()).isEqualTo("plain");
    assertThat(used("alice")).isEqualTo(before + 3);

    HttpResponse<String> annotated = settled("alice", () -> get("/api/metered/annotated", credentials("alice")));
    assertThat(annotated.body()).isEqualTo("annotated");
    assertThat(used("alice")).as("the filter's 3, not @Billed's 7, and not both").isEqualTo(before + 3 + 3);
    assertThat(LOGGED).anyMatch(line -> line.startsWith("WARNING @Billed on ")
        && line.contains("annotated") && line.contains("already billed 3 credits by a filter"));
  }

  @Test
  void filterOrderedBeforeSpringSecuritySeesNoPrincipal() throws Exception {
    HttpResponse<String> r = get("/api/early/billed", credentials("alice"));

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(r.body()).get("type").asText()).endsWith("/missing-client");
  }

  // ---- helpers --------------------------------------------------------------------------------------

  /** Spends the user's two credits of the day, so that the next billed request is denied. */
  void spend(String user) throws Exception {
    for (int i = 0; i < 2 && used(user) < 2; i++) {
      settled(user, () -> get("/api/secure/ping", credentials(user)));
    }
    assertThat(used(user)).isEqualTo(2);
  }

  long used(String client) {
    return billing.status(client).quotas().get(0).used();
  }

  /** Sends a request that reserves the client's credits and waits until the server settled it. */
  HttpResponse<String> settled(String client, Call call) throws Exception {
    long before = settles.count(client);
    HttpResponse<String> r = call.send();
    assertThat(settles.await(client, before + 1, Duration.ofSeconds(5))).isEqualTo(before + 1);
    return r;
  }

  @FunctionalInterface
  interface Call {
    HttpResponse<String> send() throws Exception;
  }

  HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElseThrow(() -> new AssertionError("no " + name + " in " + r.headers()));
  }
}
