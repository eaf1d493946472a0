package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.tck.MutableClock;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Asynchronous servlets are settled when their AsyncContext completes, with the final status. */
final class AsyncBillingTest {

  static final String KEY = "ak_async_1";

  final FlakyStore store = new FlakyStore();
  ApiBilling billing;
  TestServer server;

  @BeforeEach
  void start() throws Exception {
    start(EnumSet.of(DispatcherType.REQUEST));
  }

  void start(EnumSet<DispatcherType> dispatches) throws Exception {
    start(dispatches, false);
  }

  void start(EnumSet<DispatcherType> dispatches, boolean specStrict) throws Exception {
    billing = ApiBilling.builder().store(store).clock(MutableClock.at("2026-06-01T12:00:00Z")).build();
    billing.updateClientQuotas("async-client", List.of(QuotaDefinition.of(QuotaDuration.DAY, 10)));
    RequestBilling flow = RequestBilling.builder(billing)
        .clientResolver(ClientResolver.apiKey(ApiKeyRegistry.of(Map.of(KEY, "async-client"))))
        .costRules(CostRules.of(2))
        .build();
    ServletContextHandler context = TestServer.echoContext();
    if (specStrict) {
      FilterHolder strict = new FilterHolder(new SpecStrictAsyncFilter());
      strict.setAsyncSupported(true);
      context.addFilter(strict, "/api/*", EnumSet.of(DispatcherType.REQUEST));
    }
    FilterHolder holder = new FilterHolder(new ApiBillingFilter(flow));
    holder.setAsyncSupported(true);
    context.addFilter(holder, "/api/*", dispatches);
    server = TestServer.start(context);
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    billing.close();
  }

  long used() {
    return billing.status("async-client").quotas().get(0).used();
  }

  @Test
  void asyncResponseIsChargedWhenItCompletes() throws Exception {
    HttpResponse<String> r = server.get("/api/items?async=ok", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok async-client");
    assertThat(r.headers().firstValue("RateLimit")).hasValue("\"day\";r=8;t=43200");
    store.awaitSettles(1);
    assertThat(used()).isEqualTo(2);
  }

  @Test
  void asyncServerErrorSetAfterTheFilterReturnedIsRefunded() throws Exception {
    HttpResponse<String> r = server.get("/api/items?async=fail", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(503);
    store.awaitSettles(1);
    assertThat(used()).as("settled with the status the async handler set, not the one at filter exit")
        .isZero();
  }

  @Test
  void asyncTimeoutIsRefunded() throws Exception {
    HttpResponse<String> r = server.get("/api/items?async=timeout", "X-Api-Key", KEY);

    assertThat(r.statusCode()).isEqualTo(500);
    store.awaitSettles(1);
    assertThat(used()).isZero();
  }

  @Test
  void asyncHandlerReportsTheActualCost() throws Exception {
    server.get("/api/items?async=ok&report=1", "X-Api-Key", KEY);
    store.awaitSettles(1);
    assertThat(used()).isEqualTo(1);
  }

  @Test
  void asyncDispatchIsSettledOnceWithTheStatusOfTheDispatchedHandler() throws Exception {
    for (EnumSet<DispatcherType> mapping : List.of(EnumSet.of(DispatcherType.REQUEST),
        EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC))) {
      stop();
      start(mapping);
      long before = used();

      assertThat(server.get("/api/items?async=dispatch&status=500", "X-Api-Key", KEY).statusCode()).isEqualTo(500);
      store.awaitSettles(1);
      assertThat(used()).as("refunded with the filter mapped to %s", mapping).isEqualTo(before);
      assertThat(server.get("/api/items?async=dispatch", "X-Api-Key", KEY).statusCode()).isEqualTo(200);
      store.awaitSettles(1);
      assertThat(used()).as("charged once with the filter mapped to %s", mapping).isEqualTo(before + 2);
    }
    assertThat(store.charges.get()).as("one charge call per request in both mappings").isEqualTo(4);
    assertThat(store.settles.get()).isEqualTo(4);
  }

  @Test
  void asyncCompletedInsideTheHandlerIsSettledWithItsStatus() throws Exception {
    assertThat(server.get("/api/items?async=inline&status=502", "X-Api-Key", KEY).statusCode()).isEqualTo(502);
    store.awaitSettles(1);
    assertThat(used()).isZero();
    assertThat(server.get("/api/items?async=inline", "X-Api-Key", KEY).statusCode()).isEqualTo(200);
    store.awaitSettles(1);
    assertThat(used()).isEqualTo(2);
  }

  @Test
  void asyncDispatchIsSettledOnCompletionWhereIsAsyncStartedTurnsFalseAtDispatch() throws Exception {
    stop();
    start(EnumSet.of(DispatcherType.REQUEST), true);

    assertThat(server.get("/api/items?async=dispatch&status=500", "X-Api-Key", KEY).statusCode()).isEqualTo(500);
    store.awaitSettles(1);
    assertThat(used()).as("settled with the dispatched handler's 500, not the 200 at filter exit").isZero();
  }
}
