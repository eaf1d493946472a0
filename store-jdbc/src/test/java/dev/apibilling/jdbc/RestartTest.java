package dev.apibilling.jdbc;

import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.Charge;
import dev.apibilling.DailyUsage;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.tck.MutableClock;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage counted before a store is closed is there for the next store object over the same database. */
final class RestartTest {

  private final MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");
  private final String client = "restart-" + UUID.randomUUID();

  @Test
  void h2FileDatabaseKeepsUsageAcrossARestart(@TempDir Path dir) {
    // no DB_CLOSE_DELAY: closing the only pool closes the database, so the second store reopens the file
    restartKeepsUsage("jdbc:h2:file:" + dir.resolve("billing").toAbsolutePath());
  }

  @Test
  void postgresKeepsUsageAcrossARestart() {
    restartKeepsUsage(Databases.postgres());
  }

  @Test
  void mariadbKeepsUsageAcrossARestart() {
    restartKeepsUsage(Databases.mariadb());
  }

  @Test
  void h2UsageIsKeptWhenThePoolHandsOutConnectionsWithoutAutoCommit() {
    usageIsCommittedWithoutAutoCommit(Databases.h2Url());
  }

  @Test
  void postgresUsageIsKeptWhenThePoolHandsOutConnectionsWithoutAutoCommit() {
    usageIsCommittedWithoutAutoCommit(Databases.postgres());
  }

  @Test
  void mariadbUsageIsKeptWhenThePoolHandsOutConnectionsWithoutAutoCommit() {
    usageIsCommittedWithoutAutoCommit(Databases.mariadb());
  }

  /** A pool configured with auto-commit off (it rolls back what a borrower left uncommitted). */
  private void usageIsCommittedWithoutAutoCommit(String url) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setAutoCommit(false);
    config.setMaximumPoolSize(2);
    try (TestTables tables = TestTables.on(url); HikariDataSource ds = new HikariDataSource(config)) {
      try (JdbcUsageStore store = JdbcUsageStore.builder(ds).tablePrefix(tables.prefix()).createSchema(true).build();
          ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build()) {
        billing.updateClientQuotas(client, List.of(QuotaDefinition.of(MONTH, 100)));
        billing.trackClientUsage(client, 30);
        billing.reserve(Charge.of(client, 5)).reservation().map(r -> billing.commit(r, 5)).orElseThrow();
        assertThat(store.purgeExpired(clock.instant().plus(Duration.ofDays(40)))).isPositive();
      }
      try (JdbcUsageStore store = JdbcUsageStore.builder(ds).tablePrefix(tables.prefix()).build();
          ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build()) {
        billing.updateClientQuotas(client, List.of(QuotaDefinition.of(MONTH, 100)));
        assertThat(billing.usageHistory(client, LocalDate.of(2026, 3, 10), LocalDate.of(2026, 3, 10)))
            .containsExactly(new DailyUsage(LocalDate.of(2026, 3, 10), 35));
        assertThat(billing.status(client).lowest().used()).as("the month window was purged").isZero();
      }
    }
  }

  private void restartKeepsUsage(String url) {
    try (TestTables tables = TestTables.on(url)) {
      try (JdbcUsageStore first = tables.open();
          ApiBilling billing = ApiBilling.builder().store(first).clock(clock).build()) {
        billing.updateClientQuotas(client, List.of(QuotaDefinition.of(MONTH, 100)));
        billing.trackClientUsage(client, 40);
        billing.tryCharge(Charge.of(client, 2).idempotencyKey("once"));
      }
      try (JdbcUsageStore second = tables.open();
          ApiBilling billing = ApiBilling.builder().store(second).clock(clock).build()) {
        billing.updateClientQuotas(client, List.of(QuotaDefinition.of(MONTH, 100)));
        assertThat(billing.status(client).lowest().used()).isEqualTo(42);
        assertThat(billing.tryCharge(Charge.of(client, 2).idempotencyKey("once")).replayed()).isTrue();
        assertThat(billing.usageHistory(client, LocalDate.of(2026, 3, 10), LocalDate.of(2026, 3, 10)))
            .containsExactly(new DailyUsage(LocalDate.of(2026, 3, 10), 42));
      }
    }
  }
}
