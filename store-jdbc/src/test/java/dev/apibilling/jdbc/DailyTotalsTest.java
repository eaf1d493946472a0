package dev.apibilling.jdbc;

import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.Charge;
import dev.apibilling.DailyUsage;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.Reservation;
import dev.apibilling.tck.MutableClock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A day whose credits were all given back keeps a total of zero: history leaves it out and deleting it
 * does not count it, as in the in-memory store.
 */
final class DailyTotalsTest {

  private static final LocalDate DAY1 = LocalDate.of(2026, 3, 10);

  @Test
  void refundedDayIsNeitherReportedNorCountedOnH2() {
    refundedDayIsNeitherReportedNorCounted(Databases.h2Url());
  }

  @Test
  void refundedDayIsNeitherReportedNorCountedOnPostgres() {
    refundedDayIsNeitherReportedNorCounted(Databases.postgres());
  }

  @Test
  void refundedDayIsNeitherReportedNorCountedOnMariaDb() {
    refundedDayIsNeitherReportedNorCounted(Databases.mariadb());
  }

  private static void refundedDayIsNeitherReportedNorCounted(String url) {
    String client = "daily-" + UUID.randomUUID();
    MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");
    try (TestTables tables = TestTables.on(url);
        JdbcUsageStore store = tables.open();
        ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build()) {
      billing.updateClientQuotas(client, List.of(QuotaDefinition.of(MONTH, 100)));
      Reservation refunded = billing.reserve(Charge.of(client, 5)).reservation().orElseThrow();
      assertThat(billing.release(refunded)).isTrue();
      clock.advance(Duration.ofDays(1));
      billing.trackClientUsage(client, 2);

      assertThat(billing.usageHistory(client, DAY1, DAY1.plusDays(1)))
          .containsExactly(new DailyUsage(DAY1.plusDays(1), 2));
      assertThat(billing.deleteUsage(client, DAY1, DAY1.plusDays(1))).isEqualTo(1);
      assertThat(billing.usageHistory(client, DAY1, DAY1.plusDays(1))).isEmpty();
      assertThat(billing.deleteUsage(client, DAY1, DAY1.plusDays(1))).isZero();
    }
  }
}
