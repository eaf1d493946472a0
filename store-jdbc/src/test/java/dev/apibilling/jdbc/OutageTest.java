package dev.apibilling.jdbc;

import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.tck.MutableClock;
import dev.apibilling.tck.TcpProxy;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A connection cut between the store and the database (a {@link TcpProxy}, never the shared server):
 * calls fail with a {@link UsageStoreException} within the timeout, and once the connection is back
 * decisions resume on the same store object with nothing counted before the cut lost.
 */
final class OutageTest {

  /** Generous: the pool waits 2 s for a connection, statements get 2 s; a hang would take far longer. */
  private static final Duration FAILS_WITHIN = Duration.ofSeconds(15);

  @Test
  void postgresCallsFailWithinTheTimeoutAndResumeAfterTheCut() throws Exception {
    survivesACut(Databases.postgres(), 5432);
  }

  @Test
  void mariadbCallsFailWithinTheTimeoutAndResumeAfterTheCut() throws Exception {
    survivesACut(Databases.mariadb(), 3306);
  }

  private static void survivesACut(String url, int defaultPort) throws Exception {
    String client = "outage-" + UUID.randomUUID();
    try (TestTables tables = TestTables.on(url);
        TcpProxy proxy = TcpProxy.to(Databases.host(url), Databases.port(url, defaultPort));
        JdbcUsageStore store = JdbcUsageStore.builder(Databases.via(url, "127.0.0.1", proxy.port()))
            .tablePrefix(tables.prefix()).createSchema(true).poolSize(4).timeout(Duration.ofSeconds(2)).build();
        ApiBilling billing = ApiBilling.builder().store(store).clock(MutableClock.at("2026-03-10T10:15:30Z")).build()) {
      billing.updateClientQuotas(client, List.of(QuotaDefinition.of(MONTH, 1_000)));
      billing.trackClientUsage(client, 5);

      proxy.cut();
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> billing.trackClientUsage(client, 1))
            .isInstanceOf(UsageStoreException.class)
            .hasMessageContaining("JDBC usage store could not charge");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAILS_WITHIN);
      }
      assertThatThrownBy(() -> billing.status(client)).isInstanceOf(UsageStoreException.class);

      proxy.restore();
      BillingDecision resumed = null;
      long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (resumed == null && System.nanoTime() < giveUp) {
        try {
          resumed = billing.trackClientUsage(client, 1);
        } catch (UsageStoreException stillDown) {
          // the pool is reconnecting; each attempt waits at most its connection timeout
        }
      }
      assertThat(resumed).as("a decision after the connection came back").isNotNull();
      assertThat(resumed.lowest().used()).isEqualTo(6);
      assertThat(billing.status(client).lowest().used()).isEqualTo(6);
    }
  }
}
