package dev.apibilling.jdbc;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MINUTE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.Charge;
import dev.apibilling.DailyUsage;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaState;
import dev.apibilling.tck.MutableClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** purgeExpired deletes exactly what has expired (giving expired reservations back) and keeps what lives. */
final class PurgeTest {

  private static final Instant T0 = Instant.parse("2026-03-10T10:15:30Z");
  private static final LocalDate TODAY = LocalDate.of(2026, 3, 10);

  private final MutableClock clock = new MutableClock(T0);
  private final String client = "purge-" + UUID.randomUUID();
  private final String idle = client + "-idle";

  @Test
  void purgeOnH2() throws Exception {
    purgeRemovesExpiredRowsAndKeepsLiveOnes(Databases.h2Url());
  }

  @Test
  void purgeOnPostgres() throws Exception {
    purgeRemovesExpiredRowsAndKeepsLiveOnes(Databases.postgres());
  }

  @Test
  void purgeOnMariaDb() throws Exception {
    purgeRemovesExpiredRowsAndKeepsLiveOnes(Databases.mariadb());
  }

  @Test
  void builtInSchedulerPurgesWithTheSystemClock() throws Exception {
    String url = Databases.h2Url();
    String prefix = Databases.uniquePrefix();
    MutableClock past = MutableClock.at("2020-01-01T00:00:00Z"); // long expired by the system clock
    try (JdbcUsageStore store = JdbcUsageStore.builder(url).tablePrefix(prefix).createSchema(true)
            .purgeEvery(Duration.ofMillis(50)).build();
        ApiBilling billing = ApiBilling.builder().store(store).clock(past).build();
        Connection c = DriverManager.getConnection(url)) {
      billing.updateClientQuotas(client, List.of(QuotaDefinition.of(MINUTE, 10)));
      billing.tryCharge(Charge.of(client, 1).idempotencyKey("k"));
      assertThat(rows(c, prefix + "idempotency")).isEqualTo(1);
      long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while ((rows(c, prefix + "idempotency") > 0 || rows(c, prefix + "windows") > 0) && System.nanoTime() < giveUp) {
        Thread.onSpinWait();
      }
      assertThat(rows(c, prefix + "idempotency")).isZero();
      assertThat(rows(c, prefix + "windows")).isZero();
    }
  }

  private void purgeRemovesExpiredRowsAndKeepsLiveOnes(String url) throws Exception {
    try (TestTables tables = TestTables.on(url);
        JdbcUsageStore store = tables.builder().createSchema(true).poolSize(2)
            .purgeGrace(Duration.ofMinutes(5)).historyRetention(Duration.ofDays(30)).build();
        ApiBilling billing = ApiBilling.builder().store(store).clock(clock)
            .idempotencyTtl(Duration.ofMinutes(10)).reservationTtl(Duration.ofMinutes(5)).build();
        Connection c = DriverManager.getConnection(url)) {
      List<QuotaDefinition> plan = List.of(QuotaDefinition.of(MINUTE, 100), QuotaDefinition.of(DAY, 1_000));
      billing.updateClientQuotas(client, plan);
      billing.updateClientQuotas(idle, plan);

      clock.set(T0.minus(Duration.ofDays(40)));
      billing.trackClientUsage(client, 4);         // a day beyond the 30-day retention
      clock.set(T0.minus(Duration.ofDays(10)));
      billing.trackClientUsage(client, 3);         // a day within it
      billing.trackClientUsage(idle, 1);           // a client idle since
      clock.set(T0);
      billing.tryCharge(Charge.of(client, 2).idempotencyKey("old"));   // key expires at T0 + 10 min
      billing.reserve(Charge.of(client, 5));                           // expires at T0 + 5 min, never settled
      clock.set(T0.plus(Duration.ofMinutes(8)));
      billing.tryCharge(Charge.of(client, 1).idempotencyKey("new"));   // key expires at T0 + 18 min

      Instant now = T0.plus(Duration.ofMinutes(12));
      Map<String, Long> before = counts(c, tables.prefix(), store);
      long deleted = store.purgeExpired(now);
      Map<String, Long> after = counts(c, tables.prefix(), store);

      // live: today's day window and the minute window of T0 + 8 min (ends 10:24:00, kept until 10:29:00)
      assertThat(after.get("windows")).isEqualTo(2);
      assertThat(after.get("idempotency")).isEqualTo(1);
      assertThat(after.get("reservations")).isZero();
      assertThat(after.get("daily")).as("the client's and the idle client's days within retention").isEqualTo(3);
      if (store.dialect() != JdbcDialect.POSTGRESQL) {
        assertThat(after.get("clients")).as("the idle client's lock row is gone").isEqualTo(1);
      }
      long expected = 0;
      for (String table : before.keySet()) {
        expected += before.get(table) - after.get(table);
      }
      assertThat(deleted).isEqualTo(expected).isPositive();
      assertThat(store.purgeExpired(now)).as("nothing is left to purge").isZero();

      clock.set(now);
      assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(0L, 3L);
      assertThat(billing.usageHistory(client, TODAY.minusDays(60), TODAY)).containsExactly(
          new DailyUsage(TODAY.minusDays(10), 3), new DailyUsage(TODAY, 3));
      assertThat(billing.tryCharge(Charge.of(client, 1).idempotencyKey("new")).replayed()).isTrue();
      assertThat(billing.tryCharge(Charge.of(client, 1).idempotencyKey("old")).replayed()).isFalse();
    }
  }

  private static Map<String, Long> counts(Connection c, String prefix, JdbcUsageStore store) throws SQLException {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String table : List.of("windows", "idempotency", "reservations", "daily")) {
      counts.put(table, rows(c, prefix + table));
    }
    if (store.dialect() != JdbcDialect.POSTGRESQL) {
      counts.put("clients", rows(c, prefix + "clients"));
    }
    return counts;
  }

  private static long rows(Connection c, String table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table); ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
