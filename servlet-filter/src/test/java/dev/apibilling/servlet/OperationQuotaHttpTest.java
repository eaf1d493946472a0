package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Quotas per operation over real HTTP, configured as web.xml would: a cost rule names the operation, or a
 * request attribute set in front of the filter does; the rate-limit fields of a response carry the quotas
 * that applied to that request, and the status lists the operation quotas grouped.
 */
final class OperationQuotaHttpTest {

  static final String KEY = "ak_ops_http_1";
  static final ObjectMapper JSON = new ObjectMapper();

  TestServer server;

  @BeforeEach
  void start() throws Exception {
    ServletContextHandler context = TestServer.echoContext();
    Filter operationFromHeader = (request, response, chain) -> {
      String op = ((jakarta.servlet.http.HttpServletRequest) request).getHeader("X-Op");
      if (op != null) {
        request.setAttribute(RequestBilling.QUOTA_OPERATION_ATTRIBUTE, op);
      }
      chain.doFilter(request, response);
    };
    context.addFilter(new FilterHolder(operationFromHeader), "/api/*", EnumSet.of(DispatcherType.REQUEST));
    TestServer.billingFilter(context, Map.of(
        "plans", "free = day:100, day:2 operation=report, day:1 operation=send_email",
        "clients", "acme = free",
        "api-keys", KEY + " = acme",
        "costs", "GET /api/report = 1 as report"));
    TestServer.statusServlet(context);
    server = TestServer.start(context);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void headersOfARequestCarryTheQuotasThatAppliedToIt() throws Exception {
    HttpResponse<String> report = server.get("/api/report", "X-Api-Key", KEY);
    HttpResponse<String> other = server.get("/api/items", "X-Api-Key", KEY);

    assertThat(report.statusCode()).isEqualTo(200);
    assertThat(report.headers().firstValue("RateLimit-Policy"))
        .contains("\"day\";q=100;w=86400, \"report/day\";q=2;w=86400");
    assertThat(report.headers().firstValue("RateLimit").orElseThrow())
        .matches("\"day\";r=99;t=\\d+, \"report/day\";r=1;t=\\d+");
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(other.headers().firstValue("RateLimit-Policy")).contains("\"day\";q=100;w=86400");
    assertThat(other.headers().firstValue("RateLimit").orElseThrow()).matches("\"day\";r=98;t=\\d+");
  }

  @Test
  void spentOperationQuotaAnswers429NamingItWhileOtherRequestsPass() throws Exception {
    server.get("/api/report", "X-Api-Key", KEY);
    server.get("/api/report", "X-Api-Key", KEY);

    HttpResponse<String> denied = server.get("/api/report", "X-Api-Key", KEY);

    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Retry-After")).isPresent();
    assertThat(denied.headers().firstValue("X-RateLimit-Limit")).contains("2");
    assertThat(JSON.readTree(denied.body()).path("policy").asText()).isEqualTo("report/day");
    assertThat(server.get("/api/items", "X-Api-Key", KEY).statusCode()).isEqualTo(200);
  }

  @Test
  void requestAttributeNamesTheOperationOverTheRule() throws Exception {
    HttpResponse<String> first = server.get("/api/mail", "X-Api-Key", KEY, "X-Op", "send_email");
    HttpResponse<String> second = server.get("/api/report", "X-Api-Key", KEY, "X-Op", "send_email");
    HttpResponse<String> invalid = server.get("/api/mail", "X-Api-Key", KEY, "X-Op", "no spaces");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("RateLimit-Policy"))
        .contains("\"day\";q=100;w=86400, \"send_email/day\";q=1;w=86400");
    assertThat(second.statusCode()).isEqualTo(429);
    assertThat(JSON.readTree(second.body()).path("policy").asText()).isEqualTo("send_email/day");
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(invalid.body()).path("detail").asText()).contains("operation must be");
  }

  @Test
  void statusListsTheOperationQuotasGrouped() throws Exception {
    server.get("/api/report", "X-Api-Key", KEY);

    JsonNode status = JSON.readTree(server.get("/billing/status", "X-Api-Key", KEY).body());

    assertThat(status.path("quotas")).hasSize(1);
    assertThat(status.path("quotas").get(0).path("used").asLong()).isEqualTo(1);
    assertThat(status.path("operations").path("report").get(0).path("policy").asText()).isEqualTo("day");
    assertThat(status.path("operations").path("report").get(0).path("used").asLong()).isEqualTo(1);
    assertThat(status.path("operations").path("send_email").get(0).path("limit").asLong()).isEqualTo(1);
  }

  @Test
  void statusHistoryHasTheDailyUsageOfEachOperationWithQuotas() throws Exception {
    server.get("/api/report", "X-Api-Key", KEY);
    server.get("/api/report", "X-Api-Key", KEY);
    server.get("/api/report", "X-Api-Key", KEY);                        // 429: counts nowhere
    server.get("/api/items", "X-Api-Key", KEY);
    server.get("/api/items", "X-Api-Key", KEY, "X-Op", "export");      // an operation without quotas

    JsonNode history = JSON.readTree(server.get("/billing/status?days=3", "X-Api-Key", KEY).body()).path("history");

    String today = history.path("to").asText();
    assertThat(history.path("days")).hasSize(1);
    assertThat(history.path("days").get(0).path("date").asText()).isEqualTo(today);
    assertThat(history.path("days").get(0).path("credits").asLong()).isEqualTo(4);
    JsonNode operations = history.path("operations");
    assertThat(operations.isObject()).isTrue();
    assertThat(operations.fieldNames()).toIterable().containsExactly("report", "send_email");
    assertThat(operations.path("report")).hasSize(1);
    assertThat(operations.path("report").get(0).path("date").asText()).isEqualTo(today);
    assertThat(operations.path("report").get(0).path("credits").asLong()).isEqualTo(2);
    assertThat(operations.path("send_email").isArray()).isTrue();
    assertThat(operations.path("send_email")).isEmpty();
  }

  @Test
  void statusOfAClientWithoutOperationQuotasHasNoOperationHistory() throws Exception {
    ServletContextHandler context = TestServer.echoContext();
    TestServer.billingFilter(context, Map.of(
        "plans", "free = day:100",
        "clients", "acme = free",
        "api-keys", KEY + " = acme",
        "costs", "GET /api/report = 1 as report"));
    TestServer.statusServlet(context);
    try (TestServer plain = TestServer.start(context)) {
      plain.get("/api/report", "X-Api-Key", KEY);

      JsonNode status = JSON.readTree(plain.get("/billing/status", "X-Api-Key", KEY).body());

      assertThat(status.has("operations")).isFalse();
      assertThat(status.path("history").has("operations")).isFalse();
      assertThat(status.path("history").path("days").get(0).path("credits").asLong()).isEqualTo(1);
    }
  }

  @Test
  void statusOverAStoreWithoutOperationTotalsLeavesTheOperationHistoryOut() throws Exception {
    ServletContextHandler context = TestServer.echoContext();
    TestServer.billingFilter(context, Map.of(
        "store", "test-store:ops-without-history",
        "plans", "free = day:100, day:2 operation=report",
        "clients", "acme = free",
        "api-keys", KEY + " = acme",
        "costs", "GET /api/report = 1 as report"));
    TestServer.statusServlet(context);
    try (TestServer old = TestServer.start(context)) {
      TestStoreProvider.store("ops-without-history").noOperationHistory.set(true);
      old.get("/api/report", "X-Api-Key", KEY);

      HttpResponse<String> response = old.get("/billing/status", "X-Api-Key", KEY);

      assertThat(response.statusCode()).isEqualTo(200);
      JsonNode status = JSON.readTree(response.body());
      assertThat(status.path("operations").path("report").get(0).path("used").asLong()).isEqualTo(1);
      assertThat(status.path("history").path("days").get(0).path("credits").asLong()).isEqualTo(1);
      assertThat(status.path("history").has("operations")).isFalse();
    }
  }

  @Test
  void initParamOperationAttributeNamesTheAttributeRead() throws Exception {
    ServletContextHandler context = TestServer.echoContext();
    Filter operationFromHeader = (request, response, chain) -> {
      request.setAttribute("app.op", ((jakarta.servlet.http.HttpServletRequest) request).getHeader("X-Op"));
      request.setAttribute(RequestBilling.QUOTA_OPERATION_ATTRIBUTE, "report");
      chain.doFilter(request, response);
    };
    context.addFilter(new FilterHolder(operationFromHeader), "/api/*", EnumSet.of(DispatcherType.REQUEST));
    TestServer.billingFilter(context, Map.of(
        "plans", "free = day:100, day:1 operation=send_email",
        "clients", "acme = free",
        "api-keys", KEY + " = acme",
        "operation-attribute", " app.op "));
    try (TestServer renamed = TestServer.start(context)) {
      HttpResponse<String> first = renamed.get("/api/mail", "X-Api-Key", KEY, "X-Op", "send_email");
      HttpResponse<String> second = renamed.get("/api/mail", "X-Api-Key", KEY, "X-Op", "send_email");

      assertThat(first.headers().firstValue("RateLimit-Policy"))
          .contains("\"day\";q=100;w=86400, \"send_email/day\";q=1;w=86400");
      assertThat(second.statusCode()).isEqualTo(429);
      assertThat(JSON.readTree(second.body()).path("policy").asText()).isEqualTo("send_email/day");
    }
  }
}
