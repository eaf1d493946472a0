package dev.apibilling.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The Spring Boot demo's contract over real HTTP on a random port: the same answers as the Jetty demo.
 * {@code pro-key} serves the tests that measure a charge (usage read before and after); {@code demo-key}
 * only the test that spends it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class SpringDemoTest {

  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  @LocalServerPort
  int port;

  @Test
  void helloAnswers200WithRateLimitHeadersAndCostsOneCredit() throws Exception {
    long before = monthUsed("pro-key");

    HttpResponse<String> hello = get("/api/hello", "pro-key");

    assertThat(hello.statusCode()).isEqualTo(200);
    assertThat(json(hello).path("message").asText()).isEqualTo("Hello from a billed API");
    assertThat(header(hello, "RateLimit-Policy")).startsWith("\"minute\";q=100;w=60, \"month\";q=100000;w=");
    assertThat(header(hello, "RateLimit")).matches("\"minute\";r=\\d+;t=\\d+, \"month\";r=\\d+;t=\\d+");
    assertThat(header(hello, "X-RateLimit-Limit")).isEqualTo("100");
    assertThat(monthUsed("pro-key") - before).isEqualTo(1);
  }

  @Test
  void reportCostsFiveCredits() throws Exception {
    long before = monthUsed("pro-key");

    HttpResponse<String> report = get("/api/report", "pro-key");

    assertThat(report.statusCode()).isEqualTo(200);
    assertThat(json(report).path("rows").size()).isEqualTo(3);
    assertThat(monthUsed("pro-key") - before).isEqualTo(5);
  }

  @Test
  void failAnswers500AndIsNotCharged() throws Exception {
    long before = monthUsed("pro-key");

    HttpResponse<String> fail = get("/api/fail", "pro-key");

    assertThat(fail.statusCode()).isEqualTo(500);
    assertThat(header(fail, "Content-Type")).startsWith("application/problem+json");
    assertThat(monthUsed("pro-key") - before).isZero();
  }

  @Test
  void demoKeyIsGrantedTenCreditsInAMinuteThenDeniedWith429AndAProblemBody() throws Exception {
    // As in the Jetty demo's test: the minute window of the first 429 is the one its X-RateLimit-Reset
    // names, and exactly ten calls of that window were granted before it.
    List<HttpResponse<String>> granted = new ArrayList<>();
    HttpResponse<String> denied = null;
    for (int i = 0; i < 40 && denied == null; i++) {
      HttpResponse<String> r = get("/api/hello", "demo-key");
      assertThat(r.statusCode()).as("call %d: %s", i, r.body()).isIn(200, 429);
      if (r.statusCode() == 429) {
        denied = r;
      } else {
        granted.add(r);
      }
    }
    assertThat(denied).as("no 429 within 40 calls of 1 credit against a limit of 10").isNotNull();
    String window = header(denied, "X-RateLimit-Reset");
    assertThat(granted.stream().filter(r -> header(r, "X-RateLimit-Reset").equals(window))
        .map(r -> header(r, "X-RateLimit-Remaining")).toList())
        .containsExactly("9", "8", "7", "6", "5", "4", "3", "2", "1", "0");
    assertThat(header(denied, "Content-Type")).startsWith("application/problem+json");
    assertThat(Long.parseLong(header(denied, "Retry-After"))).isBetween(1L, 60L);
    JsonNode problem = json(denied);
    assertThat(problem.path("type").asText()).endsWith("/quota-exceeded");
    assertThat(problem.path("policy").asText()).isEqualTo("minute");
    assertThat(problem.path("limit").asLong()).isEqualTo(10);
    assertThat(problem.path("remaining").asLong()).isZero();
    assertThat(problem.path("requested").asLong()).isEqualTo(1);
  }

  @Test
  void usageEndpointReturnsTheCallersQuotasAndHistory() throws Exception {
    get("/api/hello", "pro-key");

    HttpResponse<String> usage = get("/billing/usage", "pro-key");

    assertThat(usage.statusCode()).isEqualTo(200);
    JsonNode body = json(usage);
    assertThat(body.path("client").asText()).isEqualTo("pro");
    assertThat(quota(body, "minute").path("limit").asLong()).isEqualTo(100);
    assertThat(quota(body, "month").path("limit").asLong()).isEqualTo(100_000);
    assertThat(Instant.parse(quota(body, "minute").path("reset").asText())).isAfter(Instant.now().minusSeconds(1));
    assertThat(body.path("history").path("days").findValuesAsText("date"))
        .contains(body.path("history").path("to").asText());
  }

  @Test
  void usageOfTheFreePlanHasTheReportOperationsQuotaAndDailyHistory() throws Exception {
    JsonNode body = json(get("/billing/usage", "demo-key"));

    assertThat(body.path("operations").path("report").get(0).path("limit").asLong()).isEqualTo(100);
    assertThat(body.path("history").path("operations").fieldNames()).toIterable().containsExactly("report");
    assertThat(body.path("history").path("operations").path("report").isArray()).isTrue();
  }

  @Test
  void missingKeyIs401AndUnknownKeyIs403WithProblemBodies() throws Exception {
    HttpResponse<String> missing = get("/api/hello", null);
    HttpResponse<String> unknown = get("/api/hello", "no-such-key");

    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(json(missing).path("type").asText()).endsWith("/missing-client");
    assertThat(unknown.statusCode()).isEqualTo(403);
    assertThat(json(unknown).path("type").asText()).endsWith("/unknown-client");
    assertThat(get("/billing/usage", "no-such-key").statusCode()).isEqualTo(403);
  }

  @Test
  void usagePageIsServedAtBilling() throws Exception {
    HttpResponse<String> page = get("/billing/", null);

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<title>apibilling demo: your usage</title>");
    assertThat(get("/billing/usage.js", null).body()).contains("/billing/usage");
  }

  @Test
  void errorsTomcatAndSpringRaiseThemselvesAreProblemBodiesToo() throws Exception {
    // each: what the request is, then the status; none carries a key, so none is charged
    List<String[]> requests = List.of(
        new String[] {"GET /no-such-page HTTP/1.1\r\nHost: demo\r\n", "404"},
        new String[] {"DELETE /api/hello HTTP/1.1\r\nHost: demo\r\n", "405"},
        new String[] {"POST /billing/usage HTTP/1.1\r\nHost: demo\r\nContent-Length: 0\r\n", "405"},
        new String[] {"GET /api/%00 HTTP/1.1\r\nHost: demo\r\n", "400"},
        new String[] {"GET /a b HTTP/1.1\r\nHost: demo\r\n", "400"},
        new String[] {"GET /api/hello HTTP/1.1\r\nHost: demo\r\nX-Big: " + "a".repeat(10_000) + "\r\n", "400"});
    for (String[] r : requests) {
      String response = exchange(r[0] + "Connection: close\r\n\r\n");
      String head = response.substring(0, response.indexOf("\r\n\r\n"));
      String body = response.substring(head.length() + 4);
      if (head.toLowerCase(Locale.ROOT).contains("\r\ntransfer-encoding: chunked")) {
        body = unchunked(body);
      }
      String what = r[0].lines().findFirst().orElseThrow();

      assertThat(head).as(what).startsWith("HTTP/1.1 " + r[1] + " ")
          .containsIgnoringCase("\r\nContent-Type: application/problem+json");
      JsonNode problem = JSON.readTree(body);
      assertThat(problem.path("status").asInt()).as(what).isEqualTo(Integer.parseInt(r[1]));
      assertThat(problem.path("title").asText()).as(what).isNotBlank();
      assertThat(body).as(what).doesNotContain("Exception", "<html");
    }
  }

  /** The content of a chunked body (RFC 9112 section 7.1), without extensions or trailers. */
  private static String unchunked(String chunked) {
    StringBuilder content = new StringBuilder();
    int at = 0;
    while (true) {
      int lineEnd = chunked.indexOf("\r\n", at);
      int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].trim(), 16);
      if (size == 0) {
        return content.toString();
      }
      content.append(chunked, lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
  }

  /** Writes {@code request} as it is to the demo's port and reads the whole answer. */
  private String exchange(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private long monthUsed(String key) throws Exception {
    HttpResponse<String> r = get("/billing/usage", key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return quota(json(r), "month").path("used").asLong();
  }

  private static JsonNode quota(JsonNode usage, String policy) {
    for (JsonNode q : usage.path("quotas")) {
      if (q.path("policy").asText().equals(policy)) {
        return q;
      }
    }
    throw new AssertionError("no quota '" + policy + "' in " + usage);
  }

  private HttpResponse<String> get(String path, @Nullable String key) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20));
    if (key != null) {
      request.header("X-Api-Key", key);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body());
  }

  private static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name)
        .orElseThrow(() -> new AssertionError("no " + name + " header in " + response.headers().map()));
  }
}
