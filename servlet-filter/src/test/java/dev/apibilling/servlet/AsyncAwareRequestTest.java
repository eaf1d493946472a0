package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.tck.MutableClock;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The handler gets apibilling's async-aware wrapper only where the request can go asynchronous: a filter
 * registered without async support passes the request on as it came, and the request is billed the same.
 */
final class AsyncAwareRequestTest {

  static final String KEY = "ak_asyncaware_1";

  ApiBilling billing;
  TestServer server;

  /** Answers whether a request in the chain the handler got is one of apibilling's wrappers. */
  static final class WrapperReport extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      boolean wrapped = false;
      ServletRequest r = req;
      while (true) {
        wrapped |= r.getClass().getName().startsWith("dev.apibilling.");
        if (!(r instanceof ServletRequestWrapper w)) {
          break;
        }
        r = w.getRequest();
      }
      resp.setContentType("text/plain");
      resp.getWriter().print(wrapped ? "wrapped" : "unwrapped");
    }
  }

  void start(boolean filterAsyncSupported) throws Exception {
    billing = ApiBilling.builder().clock(MutableClock.at("2026-06-01T12:00:00Z")).build();
    billing.updateClientQuotas("aware-client", List.of(QuotaDefinition.of(QuotaDuration.DAY, 10)));
    RequestBilling flow = RequestBilling.builder(billing)
        .clientResolver(ClientResolver.apiKey(ApiKeyRegistry.of(Map.of(KEY, "aware-client"))))
        .build();
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    ServletHolder servlet = new ServletHolder(new WrapperReport());
    servlet.setAsyncSupported(true);
    context.addServlet(servlet, "/api/*");
    FilterHolder holder = new FilterHolder(new ApiBillingFilter(flow));
    holder.setAsyncSupported(filterAsyncSupported);
    context.addFilter(holder, "/api/*", EnumSet.of(DispatcherType.REQUEST));
    server = TestServer.start(context);
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

  long used() {
    return billing.status("aware-client").quotas().get(0).used();
  }

  @Test
  void requestThatCannotGoAsynchronousReachesTheHandlerUnwrappedAndIsCharged() throws Exception {
    start(false);

    HttpResponse<String> r = server.get("/api/x", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("unwrapped");
    assertThat(r.headers().firstValue("RateLimit")).hasValue("\"day\";r=9;t=43200");
    assertThat(used()).isEqualTo(1);
  }

  @Test
  void requestThatCanGoAsynchronousIsWrappedSoThatStartingAsyncIsSeen() throws Exception {
    start(true);

    HttpResponse<String> r = server.get("/api/x", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("wrapped");
    assertThat(used()).isEqualTo(1);
  }
}
