package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apibilling.ApiBilling;
import java.net.URISyntaxException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real deployments: a {@link WebAppContext} reads a test {@code WEB-INF/web.xml} that configures the
 * filter and the status servlet with init-params only.
 */
final class WebXmlDeploymentTest {

  static final ObjectMapper JSON = new ObjectMapper();
  TestServer server;

  static WebAppContext webapp(String dir) throws URISyntaxException {
    Path base = Path.of(WebXmlDeploymentTest.class.getResource("/" + dir).toURI());
    WebAppContext webapp = new WebAppContext();
    webapp.setContextPath("/app");
    webapp.setBaseResourceAsPath(base);
    webapp.setParentLoaderPriority(true);
    webapp.setThrowUnavailableOnStartupException(true);
    return webapp;
  }

  static TestServer deploy(WebAppContext webapp) throws Exception {
    return TestServer.start(webapp, (ServletContextHandler) webapp);
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  static Map<String, StructuredFields.Item> byPolicy(String field) {
    Map<String, StructuredFields.Item> m = new java.util.LinkedHashMap<>();
    StructuredFields.parseList(field).forEach(i -> m.put((String) i.value(), i));
    return m;
  }

  @Test
  void webXmlWithOnlyInitParamsBillsRequestsAndServesStatus() throws Exception {
    WebAppContext webapp = webapp("webapp-basic");
    server = deploy(webapp);

    HttpResponse<String> plain = server.get("/app/api/items", "X-Api-Key", "demo-key-acme");
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(plain.body()).isEqualTo("ok acme");
    Map<String, StructuredFields.Item> policy = byPolicy(plain.headers().firstValue("RateLimit-Policy").orElseThrow());
    assertThat(policy.get("day").param("q")).isEqualTo(500);
    assertThat(policy.get("day").param("w")).isEqualTo(86_400);
    assertThat(policy.get("month").param("q")).isEqualTo(10_000);
    Map<String, StructuredFields.Item> state = byPolicy(plain.headers().firstValue("RateLimit").orElseThrow());
    assertThat(state.get("day").param("r")).isEqualTo(499);
    assertThat(state.get("day").param("t")).isBetween(1L, 86_400L);
    assertThat(plain.headers().firstValue("X-RateLimit-Remaining")).hasValue("499");

    HttpResponse<String> hashed = server.send("POST", "/app/api/reports/1", "Authorization", "Bearer demo-key-globex");
    assertThat(hashed.statusCode()).as("key stored as sha256: in the file").isEqualTo(200);
    assertThat(hashed.body()).isEqualTo("ok globex");
    assertThat(byPolicy(hashed.headers().firstValue("RateLimit").orElseThrow()).get("day").param("r"))
        .as("globex is on plan pro; the report costs 5").isEqualTo(4995);

    assertThat(server.get("/app/api/items").statusCode()).isEqualTo(401);
    assertThat(server.get("/app/api/items", "X-Api-Key", "wrong").statusCode()).isEqualTo(403);

    RequestBilling flow = (RequestBilling) webapp.getServletContext().getAttribute(RequestBilling.CONTEXT_ATTRIBUTE);
    assertThat(flow.chargePolicy()).isEqualTo(ChargePolicy.BELOW_500);
    ApiBilling billing = (ApiBilling) webapp.getServletContext().getAttribute(ApiBillingFilter.BILLING_CONTEXT_ATTRIBUTE);
    assertThat(billing).isSameAs(flow.billing());
    TestStoreProvider.store("basic").awaitSettles(2);
    assertThat(billing.status("acme").quotas().get(0).used()).isEqualTo(1);

    HttpResponse<String> status = server.get("/app/billing/status", "X-Api-Key", "demo-key-acme");
    assertThat(status.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(status.body());
    assertThat(body.get("client").asText()).isEqualTo("acme");
    assertThat(body.get("quotas").get(0).get("used").asLong()).isEqualTo(1);
    assertThat(body.get("quotas").get(0).get("remaining").asLong()).isEqualTo(499);
    assertThat(body.get("history").get("days").get(0).get("credits").asLong()).isEqualTo(1);

    webapp.stop();
    assertThat(webapp.getServletContext().getAttribute(RequestBilling.CONTEXT_ATTRIBUTE)).isNull();
  }

  @Test
  void customResolverClassAndJsonQuotaFileFromWebXml() throws Exception {
    WebAppContext webapp = webapp("webapp-custom");
    server = deploy(webapp);

    HttpResponse<String> r = server.get("/app/api/items", "X-Tenant", "tenant-a");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-RateLimit-Limit")).as("header-style ietf").isEmpty();
    assertThat(byPolicy(r.headers().firstValue("RateLimit-Policy").orElseThrow()).keySet())
        .containsExactly("hourly", "month");
    assertThat(server.get("/app/api/items", "X-Tenant", "tenant-blocked").statusCode()).isEqualTo(403);
    assertThat(server.get("/app/api/items").statusCode()).isEqualTo(401);

    RequestBilling flow = (RequestBilling) webapp.getServletContext().getAttribute("billing.flow");
    assertThat(flow.chargePolicy()).isEqualTo(ChargePolicy.SUCCESS_2XX);
    assertThat(flow.clientResolver()).isInstanceOf(HeaderClientResolver.class);
    assertThat(server.get("/app/api/items?status=404", "X-Tenant", "tenant-a").statusCode()).isEqualTo(404);
    TestStoreProvider.store("custom").awaitSettles(2);
    assertThat(flow.billing().status("tenant-a").quotas().get(0).used()).as("the 404 was refunded").isEqualTo(1);
    assertThat(flow.billing().clientQuotas("tenant-vip").orElseThrow().get(0).limit()).isEqualTo(1000);

    HttpResponse<String> status = server.get("/app/status", "X-Tenant", "tenant-a");
    assertThat(JSON.readTree(status.body()).get("quotas").get(2).get("limit").isNull())
        .as("an unlimited quota has a null limit").isTrue();
  }

  @Test
  void malformedInitParamStopsTheDeploymentNamingTheParam() throws Exception {
    WebAppContext webapp = webapp("webapp-malformed");

    assertThatThrownBy(() -> server = deploy(webapp))
        .hasStackTraceContaining("init-param 'charge-policy'")
        .hasStackTraceContaining("sometimes");
  }
}
