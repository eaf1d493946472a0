package dev.apibilling.redis;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaState;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.tck.MutableClock;
import dev.apibilling.tck.TcpProxy;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A store behind a proxy that cuts the connection: calls fail fast, then resume, and nothing is lost. */
final class RedisOutageTest {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("outage");

  private static final Duration GENEROUS = Duration.ofSeconds(10);

  private final MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");
  private final String client = "outage-" + UUID.randomUUID();

  @Test
  void callsFailWithUsageStoreExceptionDuringAnOutageAndResumeAfterIt() throws Exception {
    RedisURI redis = RedisTestSupport.uri();
    try (TcpProxy proxy = TcpProxy.to(redis.getHost(), redis.getPort());
        RedisUsageStore store = RedisUsageStore.builder(
                RedisURI.builder(redis).withHost("127.0.0.1").withPort(proxy.port()).build())
            .keyPrefix(REDIS.prefix())
            .commandTimeout(Duration.ofSeconds(1))
            .build();
        ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build()) {
      billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 1_000), QuotaDefinition.of(MONTH, 5_000)));
      billing.trackClientUsage(client, 40);
      billing.trackClientUsage(client, 2);

      proxy.cut();
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> billing.trackClientUsage(client, 1)).isInstanceOf(UsageStoreException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(GENEROUS);
      }
      long start = System.nanoTime();
      assertThatThrownBy(() -> billing.status(client)).isInstanceOf(UsageStoreException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(GENEROUS);

      proxy.restore();
      // Retried under one idempotency key, so a call that reached Redis but failed on the way back
      // cannot count twice.
      Charge retried = Charge.of(client, 5).idempotencyKey("after-the-outage");
      BillingDecision resumed = null;
      long deadline = System.nanoTime() + GENEROUS.toNanos();
      while (resumed == null && System.nanoTime() < deadline) {
        try {
          resumed = billing.tryCharge(retried);
        } catch (UsageStoreException stillDown) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
      }
      assertThat(resumed).as("a decision within %s of the restore", GENEROUS).isNotNull();
      assertThat(resumed.granted()).isTrue();
      assertThat(resumed.quotas()).extracting(QuotaState::used).containsExactly(47L, 47L);
      assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(47L, 47L);
    }
  }

  @Test
  void unreachableRedisFailsToConnectWithUsageStoreException() throws Exception {
    RedisURI redis = RedisTestSupport.uri();
    try (TcpProxy proxy = TcpProxy.to(redis.getHost(), redis.getPort())) {
      proxy.cut();
      long start = System.nanoTime();
      assertThatThrownBy(() -> RedisUsageStore.builder(
              RedisURI.builder(redis).withHost("127.0.0.1").withPort(proxy.port()).build())
          .keyPrefix(REDIS.prefix())
          .commandTimeout(Duration.ofSeconds(1))
          .build())
          .isInstanceOf(UsageStoreException.class)
          .hasMessageContaining("cannot connect to Redis");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(GENEROUS);
    }
  }
}
