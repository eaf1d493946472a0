package dev.apibilling.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
