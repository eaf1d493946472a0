package dev.apibilling.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.servlet.StoreFailurePolicy;
import dev.apibilling.tck.TcpProxy;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code --store-failure} reaches the filter: with the demo's Redis link cut, fail-open serves the request
 * without rate-limit fields and counts it in the status JSON; fail-closed answers 503 with Retry-After.
 */
final class DemoStoreFailureTest {

  @ParameterizedTest
  @EnumSource(StoreFailurePolicy.class)
  void theStoreFailureFlagDecidesWhatARequestGetsWhileTheStoreIsDown(StoreFailurePolicy policy) throws Exception {
    FreshStore redis = FreshStore.of(FreshStore.Kind.REDIS,
        Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
    try (TcpProxy proxy = TcpProxy.to(redis.address().getHost(), redis.port())) {
      String store = redis.url("127.0.0.1", proxy.port());
      Server server = DemoServer.start(new DemoOptions("127.0.0.1", 0, store, policy, null, null, false));
      try {
        URI base = URI.create(DemoServer.baseUrl("127.0.0.1",
            ((ServerConnector) server.getConnectors()[0]).getLocalPort()));
        assertThat(DemoHttp.get(base.resolve("api/hello"), "pro-key").headers().firstValue("RateLimit"))
            .isPresent();

        proxy.cut();
        HttpResponse<String> r = DemoHttp.get(base.resolve("api/hello"), "pro-key");
        proxy.restore();

        if (policy == StoreFailurePolicy.FAIL_OPEN) {
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(r.headers().firstValue("RateLimit")).isEmpty();
          assertThat(r.headers().firstValue("X-RateLimit-Remaining")).isEmpty();
        } else {
          assertThat(r.statusCode()).isEqualTo(503);
          assertThat(DemoHttp.header(r, "Retry-After")).isEqualTo("5");
          assertThat(DemoHttp.json(r).get("type").asText()).endsWith("/store-unavailable");
        }
        HttpResponse<String> status = getWhenBack(base.resolve("billing/usage"));
        assertThat(DemoHttp.json(status).get("store").get("failurePolicy").asText()).isEqualTo(policy.toString());
        assertThat(DemoHttp.json(status).get("store").get("servedUnbilled").asLong())
            .isEqualTo(policy == StoreFailurePolicy.FAIL_OPEN ? 1 : 0);
      } finally {
        server.stop();
      }
    } finally {
      redis.delete();
    }
  }

  /** The status endpoint once the store answers again (Lettuce reconnects within about a second). */
  private static HttpResponse<String> getWhenBack(URI uri) {
    long giveUp = System.nanoTime() + 20_000_000_000L;
    HttpResponse<String> r;
    while ((r = DemoHttp.get(uri, "pro-key")).statusCode() == 503 && System.nanoTime() < giveUp) {
      LockSupport.parkNanos(50_000_000L); // polls the reconnect, as a client would
    }
    assertThat(r.statusCode()).isEqualTo(200);
    return r;
  }
}
