package dev.apibilling.samples;

import static dev.apibilling.samples.DemoHttp.get;
import static dev.apibilling.samples.DemoHttp.header;
import static dev.apibilling.samples.DemoHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo server's contract, driven over HTTP against the packaged jar started as a process with the
 * default in-memory store. {@code pro-key} serves the tests that measure a charge (each reads the usage
 * before and after); {@code demo-key} is used only by the test that spends it.
 */
final class DemoContractIT {

  private static DemoProcess demo;

  @BeforeAll
  static void startDemo() throws Exception {
    demo = DemoProcess.start();
  }

  @AfterAll
  static void stopDemo() throws Exception {
    if (demo != null) {
      demo.close();
    }
  }

  @Test
  void startupPrintsOneLineWithTheUrl() {
    assertThat(demo.output().lines().filter(line -> line.startsWith("apibilling demo")))
        .singleElement().asString()
        .startsWith("apibilling demo listening on " + demo.base())
        .contains("(store memory)").contains(demo.base() + "billing/");
    assertThat(demo.output().lines().filter(line -> line.contains("ApiBillingFilter 'apibilling' started:")))
        .as("the filter's one start-up line in the log").singleElement().asString()
        .contains("store=memory", "plans=2", "clients=2", "charge-policy=below-500");
  }

  @Test
  void helloAnswers200WithRateLimitHeadersAndCostsOneCredit() {
    Usage before = Usage.of("pro-key");

    HttpResponse<String> hello = get(demo.uri("api/hello"), "pro-key");

    assertThat(hello.statusCode()).isEqualTo(200);
    assertThat(json(hello).path("message").asText()).isEqualTo("Hello from a billed API");
    assertThat(header(hello, "RateLimit-Policy"))
        .isEqualTo("\"minute\";q=100;w=60, \"month\";q=100000;w=" + before.monthWindowSeconds());
    assertThat(header(hello, "RateLimit"))
        .matches("\"minute\";r=\\d+;t=\\d+, \"month\";r=\\d+;t=\\d+");
    assertThat(header(hello, "X-RateLimit-Limit")).isEqualTo("100");
    assertThat(Long.parseLong(header(hello, "X-RateLimit-Reset")))
        .isGreaterThan(Instant.now().getEpochSecond() - 1);
    assertThat(Usage.of("pro-key").monthCreditsSince(before)).isEqualTo(1);
  }

  @Test
  void reportCostsFiveCredits() {
    Usage before = Usage.of("pro-key");

    HttpResponse<String> report = get(demo.uri("api/report"), "pro-key");

    assertThat(report.statusCode()).isEqualTo(200);
    assertThat(json(report).path("rows").size()).isEqualTo(3);
    assertThat(Usage.of("pro-key").monthCreditsSince(before)).isEqualTo(5);
  }

  @Test
  void failAnswers500AndIsNotCharged() {
    Usage before = Usage.of("pro-key");

    HttpResponse<String> fail = get(demo.uri("api/fail"), "pro-key");

    assertThat(fail.statusCode()).isEqualTo(500);
    assertThat(header(fail, "Content-Type")).startsWith("application/problem+json");
    assertThat(json(fail).path("status").asInt()).isEqualTo(500);
    assertThat(Usage.of("pro-key").monthCreditsSince(before)).isZero();
  }

  @Test
  void demoKeyIsGrantedTenCreditsInAMinuteThenDeniedWith429AndAProblemBody() {
    // Call until the first 429 (bounded). The minute window the 429 falls in is the one its
    // X-RateLimit-Reset names; exactly ten calls of that window must have been granted before it, with
    // X-RateLimit-Remaining counting down 9..0. Should a minute end during the calls, the window is still
    // told apart exactly by its reset, so no timing assumption is made.
    List<HttpResponse<String>> calls = new ArrayList<>();
    HttpResponse<String> denied = null;
    for (int i = 0; i < 40 && denied == null; i++) {
      HttpResponse<String> r = get(demo.uri("api/hello"), "demo-key");
      assertThat(r.statusCode()).as("call %d: %s", i, r.body()).isIn(200, 429);
      if (r.statusCode() == 429) {
        denied = r;
      } else {
        calls.add(r);
      }
    }
    assertThat(denied).as("no 429 within 40 calls of 1 credit against a limit of 10").isNotNull();

    String window = header(denied, "X-RateLimit-Reset");
    List<String> remainingInWindow = calls.stream()
        .filter(r -> header(r, "X-RateLimit-Reset").equals(window))
        .map(r -> header(r, "X-RateLimit-Remaining"))
        .toList();
    assertThat(remainingInWindow).containsExactly("9", "8", "7", "6", "5", "4", "3", "2", "1", "0");

    assertThat(header(denied, "Content-Type")).startsWith("application/problem+json");
    long retryAfter = Long.parseLong(header(denied, "Retry-After"));
    assertThat(retryAfter).isBetween(1L, 60L);
    assertThat(header(denied, "X-RateLimit-Remaining")).isEqualTo("0");
    assertThat(header(denied, "RateLimit")).startsWith("\"minute\";r=0;t=");
    JsonNode problem = json(denied);
    assertThat(problem.path("type").asText()).endsWith("/quota-exceeded");
    assertThat(problem.path("status").asInt()).isEqualTo(429);
    assertThat(problem.path("policy").asText()).isEqualTo("minute");
    assertThat(problem.path("limit").asLong()).isEqualTo(10);
    assertThat(problem.path("remaining").asLong()).isZero();
    assertThat(problem.path("requested").asLong()).isEqualTo(1);
    assertThat(Instant.parse(problem.path("reset").asText()).getEpochSecond())
        .isEqualTo(Long.parseLong(window));
    assertThat(problem.toString()).doesNotContain("Exception").doesNotContain("at dev.");
  }

  @Test
  void usageEndpointReturnsTheCallersQuotasAndTodaysHistory() {
    get(demo.uri("api/hello"), "pro-key");

    HttpResponse<String> usage = get(demo.uri("billing/usage"), "pro-key");

    assertThat(usage.statusCode()).isEqualTo(200);
    assertThat(header(usage, "Content-Type")).startsWith("application/json");
    JsonNode body = json(usage);
    JsonNode minute = Usage.quota(body, "minute");
    JsonNode month = Usage.quota(body, "month");
    assertThat(minute.path("limit").asLong()).isEqualTo(100);
    assertThat(month.path("limit").asLong()).isEqualTo(100_000);
    assertThat(month.path("used").asLong()).isPositive();
    assertThat(month.path("remaining").asLong()).isEqualTo(100_000 - month.path("used").asLong());
    assertThat(Instant.parse(minute.path("reset").asText())).isAfter(Instant.now().minusSeconds(1));
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    assertThat(body.path("history").path("to").asText()).isEqualTo(today);
    assertThat(body.path("history").path("days").findValuesAsText("date")).contains(today);
  }

  @Test
  void missingKeyIs401AndUnknownKeyIs403WithProblemBodies() {
    HttpResponse<String> missing = get(demo.uri("api/hello"), null);
    HttpResponse<String> unknown = get(demo.uri("api/hello"), "no-such-key");
    HttpResponse<String> usageUnknown = get(demo.uri("billing/usage"), "no-such-key");

    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(header(missing, "Content-Type")).startsWith("application/problem+json");
    assertThat(json(missing).path("type").asText()).endsWith("/missing-client");
    assertThat(unknown.statusCode()).isEqualTo(403);
    assertThat(json(unknown).path("type").asText()).endsWith("/unknown-client");
    assertThat(unknown.body()).doesNotContain("no-such-key");
    assertThat(usageUnknown.statusCode()).isEqualTo(403);
  }

  @Test
  void usageHasTheDailyHistoryOfTheReportOperationForTheFreePlanOnly() {
    JsonNode free = json(get(demo.uri("billing/usage"), "demo-key")).path("history");
    JsonNode pro = json(get(demo.uri("billing/usage"), "pro-key")).path("history");

    assertThat(free.path("operations").fieldNames()).toIterable().containsExactly("report");
    assertThat(free.path("operations").path("report").isArray()).isTrue();
    assertThat(pro.has("operations")).as("the pro plan has no quotas per operation").isFalse();
  }

  @Test
  void usagePageAndItsScriptAreServed() {
    HttpResponse<String> page = get(demo.uri("billing/"), null);
    HttpResponse<String> script = get(demo.uri("billing/usage.js"), null);

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(header(page, "Content-Type")).startsWith("text/html");
    assertThat(page.body()).contains("<script src=\"usage.js\"></script>");
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.body()).contains("/billing/usage");
  }

  @Test
  void errorsTheServerRaisesItselfAreProblemBodiesToo() throws IOException {
    // each: what the request is, then the status; none carries a key, so none is charged
    List<String[]> requests = List.of(
        new String[] {"GET /no-such-page HTTP/1.1\r\nHost: demo\r\n", "404"},
        new String[] {"DELETE /index.html HTTP/1.1\r\nHost: demo\r\n", "405"},
        new String[] {"POST /billing/usage HTTP/1.1\r\nHost: demo\r\nContent-Length: 0\r\n", "405"},
        new String[] {"GET /api//hello HTTP/1.1\r\nHost: demo\r\n", "400"},
        new String[] {"GET /api/hello/%2e%2e/report HTTP/1.1\r\nHost: demo\r\n", "400"},
        new String[] {"GET /a b HTTP/1.1\r\nHost: demo\r\n", "400"},
        new String[] {"PUT /api/hello HTTP/1.1\r\nHost: demo\r\nX-Big: " + "a".repeat(10_000) + "\r\n", "431"});
    for (String[] r : requests) {
      String response = exchange(r[0] + "Connection: close\r\n\r\n");
      String head = response.substring(0, response.indexOf("\r\n\r\n"));
      String body = response.substring(head.length() + 4);
      String what = r[0].lines().findFirst().orElseThrow();

      assertThat(head).as(what).startsWith("HTTP/1.1 " + r[1] + " ")
          .containsIgnoringCase("\r\nContent-Type: application/problem+json");
      JsonNode problem = new ObjectMapper().readTree(body);
      assertThat(problem.path("status").asInt()).as(what).isEqualTo(Integer.parseInt(r[1]));
      assertThat(problem.path("title").asText()).as(what).isNotBlank();
      assertThat(body).as(what).doesNotContain("Exception", "<html");
    }
  }

  /** Writes {@code request} as it is to the demo's port and reads the whole answer. */
  private static String exchange(String request) throws IOException {
    try (Socket socket = new Socket(demo.uri("").getHost(), demo.uri("").getPort())) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The month quota of a key, read from {@code /billing/usage}. */
  private record Usage(long monthUsed, Instant monthStart, long monthWindowSeconds) {

    static Usage of(String key) {
      HttpResponse<String> r = get(demo.uri("billing/usage"), key);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode month = quota(json(r), "month");
      Instant start = Instant.parse(month.path("windowStart").asText());
      Instant reset = Instant.parse(month.path("reset").asText());
      return new Usage(month.path("used").asLong(), start, reset.getEpochSecond() - start.getEpochSecond());
    }

    /** Credits charged since {@code before}: the difference, or all of it if a new month began since. */
    long monthCreditsSince(Usage before) {
      return monthStart.equals(before.monthStart) ? monthUsed - before.monthUsed : monthUsed;
    }

    static JsonNode quota(JsonNode usage, String policy) {
      for (JsonNode q : usage.path("quotas")) {
        if (q.path("policy").asText().equals(policy)) {
          return q;
        }
      }
      throw new AssertionError("no quota '" + policy + "' in " + usage);
    }
  }
}
