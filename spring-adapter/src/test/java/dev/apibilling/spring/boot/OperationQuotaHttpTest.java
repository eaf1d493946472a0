package dev.apibilling.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apibilling.ApiBilling;
import dev.apibilling.spring.Billed;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Quotas per operation in a Spring Boot application over real HTTP: {@code @Billed(operation)}, its default
 * (the method's name) and a named cost rule each charge their operation's quotas next to the client-wide
 * ones, and the rate-limit fields of a response carry the quotas that applied to it.
 */
@SpringBootTest(classes = {BillingTestApp.class, OperationQuotaHttpTest.Ops.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "apibilling.plans.ops=day:100, day:2 operation=report, day:1 operation=sendEmail, day:1 operation=ruled",
        "apibilling.plans.structured[0].duration=day",
        "apibilling.plans.structured[0].limit=100",
        "apibilling.plans.structured[1].duration=day",
        "apibilling.plans.structured[1].limit=2",
        "apibilling.plans.structured[1].operation=report",
        "apibilling.plans.structured[2].duration=day",
        "apibilling.plans.structured[2].limit=1",
        "apibilling.plans.structured[2].operation=sendEmail",
        "apibilling.plans.structured[3].duration=day",
        "apibilling.plans.structured[3].limit=1",
        "apibilling.plans.structured[3].operation=ruled",
        "apibilling.clients.ops.plan=ops",
        "apibilling.clients.ops.api-keys=key-ops",
        "apibilling.clients.opsstructured.plan=structured",
        "apibilling.cost-rules=GET /ops/ruled = 1 as ruled"})
final class OperationQuotaHttpTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  @Value("${local.server.port}")
  int port;

  @Autowired
  ApiBilling billing;

  @Test
  void headersCarryTheQuotasThatAppliedToEachRequest() throws Exception {
    HttpResponse<String> report = get("/ops/report");
    HttpResponse<String> other = get("/ops/other");

    assertThat(report.statusCode()).isEqualTo(200);
    assertThat(report.headers().firstValue("RateLimit-Policy"))
        .contains("\"day\";q=100;w=86400, \"report/day\";q=2;w=86400");
    assertThat(report.headers().firstValue("RateLimit").orElseThrow())
        .matches("\"day\";r=\\d+;t=\\d+, \"report/day\";r=1;t=\\d+");
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(other.headers().firstValue("RateLimit-Policy")).contains("\"day\";q=100;w=86400");
  }

  @Test
  void billedMethodIsChargedAsItsNameByDefault() throws Exception {
    assertThat(get("/ops/mail").statusCode()).isEqualTo(200);

    HttpResponse<String> denied = get("/ops/mail");

    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(JSON.readTree(denied.body()).path("policy").asText()).isEqualTo("sendEmail/day");
    assertThat(get("/ops/other").statusCode()).isEqualTo(200);
  }

  @Test
  void namedCostRuleChargesItsOperationForHandlersWithoutBilled() throws Exception {
    HttpResponse<String> first = get("/ops/ruled");
    HttpResponse<String> denied = get("/ops/ruled");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("RateLimit-Policy"))
        .contains("\"day\";q=100;w=86400, \"ruled/day\";q=1;w=86400");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(JSON.readTree(denied.body()).path("policy").asText()).isEqualTo("ruled/day");
  }

  @Test
  void structuredPropertiesBindTheSameOperationQuotas() {
    assertThat(billing.clientQuotas("opsstructured")).isEqualTo(billing.clientQuotas("ops"));
    assertThat(billing.clientQuotas("ops").orElseThrow().get(1).operation()).isEqualTo("report");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("X-Api-Key", "key-ops").timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @RestController
  @RequestMapping("/ops")
  static class Ops {

    @Billed(operation = "report")
    @GetMapping("/report")
    String report() {
      return "report";
    }

    @Billed
    @GetMapping("/mail")
    String sendEmail() {
      return "sent";
    }

    @Billed
    @GetMapping("/other")
    String other() {
      return "other";
    }

    @GetMapping("/ruled")
    String ruled() {
      return "ruled";
    }
  }
}
