package dev.apibilling.jdbc;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MINUTE;
import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.ApiBilling;
import dev.apibilling.Charge;
import dev.apibilling.DailyUsage;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaState;
import dev.apibilling.Reservation;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.tck.MutableClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A window row keeps the credits of its current day in a bucket instead of a daily-total write per decision
 * (PostgreSQL's charge functions, MariaDB's charge_one): every day's total stays exact when the day changes, when credits are given
 * back or deleted, when a refused charge takes back what earlier windows got, when the purge deletes the row,
 * across a restart, and after upgrading a windows table made before the buckets.
 */
final class DayBucketsTest {

  private static final LocalDate DAY1 = LocalDate.of(2026, 3, 10);
  private static final LocalDate DAY2 = DAY1.plusDays(1);

  private final MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");
  private final String client = "bucket-" + UUID.randomUUID();

  @ParameterizedTest
  @EnumSource(value = JdbcDialect.class, names = {"POSTGRESQL", "MARIADB"})
  void creditsOfOneWindowOverSeveralDaysAreCountedPerDay(JdbcDialect dialect) {
    try (TestTables tables = TestTables.on(url(dialect))) {
      try (JdbcUsageStore store = tables.open(); ApiBilling billing = billing(store, List.of(QuotaDefinition.of(MONTH, 1_000)))) {
        billing.trackClientUsage(client, 1);
        billing.trackClientUsage(client, 2);
        billing.trackClientUsage(client, 3);
        clock.advance(Duration.ofDays(1));
        billing.trackClientUsage(client, 4);
        billing.trackClientUsage(client, 5);
        assertThat(billing.usageHistory(client, DAY1, DAY2))
            .containsExactly(new DailyUsage(DAY1, 6), new DailyUsage(DAY2, 9));
        assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(15L);
      }
      try (JdbcUsageStore store = tables.open(); ApiBilling billing = billing(store, List.of(QuotaDefinition.of(MONTH, 1_000)))) {
        assertThat(billing.usageHistory(client, DAY1, DAY2))
            .as("after a restart").containsExactly(new DailyUsage(DAY1, 6), new DailyUsage(DAY2, 9));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = JdbcDialect.class, names = {"POSTGRESQL", "MARIADB"})
  void creditsGivenBackComeOffTheDayWhetherInItsRowOrInABucket(JdbcDialect dialect) {
    try (TestTables tables = TestTables.on(url(dialect));
        JdbcUsageStore store = tables.open();
        ApiBilling billing = billing(store, List.of(QuotaDefinition.of(MONTH, 100)))) {
      billing.trackClientUsage(client, 1);                       // the daily row
      Reservation released = billing.reserve(Charge.of(client, 5)).reservation().orElseThrow();  // the bucket
      assertThat(billing.release(released)).isTrue();
      assertThat(billing.usageHistory(client, DAY1, DAY1)).containsExactly(new DailyUsage(DAY1, 1));
      Reservation kept = billing.reserve(Charge.of(client, 5)).reservation().orElseThrow();
      assertThat(billing.commit(kept, 2)).isTrue();
      assertThat(billing.usageHistory(client, DAY1, DAY1)).containsExactly(new DailyUsage(DAY1, 3));
      billing.reserve(Charge.of(client, 7), Duration.ofMinutes(1));
      clock.advance(Duration.ofMinutes(2));                      // expires: given back by the next call
      billing.trackClientUsage(client, 1);
      assertThat(billing.usageHistory(client, DAY1, DAY1)).containsExactly(new DailyUsage(DAY1, 4));
      assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(4L);
    }
  }

  @ParameterizedTest
  @EnumSource(value = JdbcDialect.class, names = {"POSTGRESQL", "MARIADB"})
  void deletingADayDeletesItsBucketsToo(JdbcDialect dialect) {
    try (TestTables tables = TestTables.on(url(dialect));
        JdbcUsageStore store = tables.open();
        ApiBilling billing = billing(store, List.of(QuotaDefinition.of(MONTH, 100)))) {
      billing.trackClientUsage(client, 1);
      billing.trackClientUsage(client, 2);
      assertThat(billing.deleteUsage(client, DAY1, DAY1)).isEqualTo(1);
      assertThat(billing.usageHistory(client, DAY1, DAY1)).isEmpty();
      billing.trackClientUsage(client, 4);
      assertThat(billing.usageHistory(client, DAY1, DAY1)).containsExactly(new DailyUsage(DAY1, 4));
      assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(7L);
    }
  }

  @ParameterizedTest
  @EnumSource(value = JdbcDialect.class, names = {"POSTGRESQL", "MARIADB"})
  void aChargeRefusedByALaterWindowTakesBackWhatTheEarlierOnesGot(JdbcDialect dialect) {
    try (TestTables tables = TestTables.on(url(dialect));
        JdbcUsageStore store = tables.open();
        ApiBilling billing = billing(store, List.of(QuotaDefinition.of(MINUTE, 10), QuotaDefinition.of(DAY, 5)))) {
      billing.trackClientUsage(client, 1);                       // new rows: the daily row
      billing.trackClientUsage(client, 3);                       // the minute row's bucket
      assertThat(billing.tryCharge(Charge.of(client, 2)).granted()).as("the day window refuses").isFalse();
      assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(4L, 4L);
      assertThat(billing.usageHistory(client, DAY1, DAY1)).containsExactly(new DailyUsage(DAY1, 4));
      clock.advance(Duration.ofMinutes(1));                      // a new minute row: its first charge
      assertThat(billing.tryCharge(Charge.of(client, 2)).granted()).isFalse();
      assertThat(billing.usageHistory(client, DAY1, DAY1)).containsExactly(new DailyUsage(DAY1, 4));
      assertThat(billing.tryCharge(Charge.of(client, 1)).granted()).isTrue();
      assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(1L, 5L);
      assertThat(billing.usageHistory(client, DAY1, DAY1)).containsExactly(new DailyUsage(DAY1, 5));
    }
  }

  @ParameterizedTest
  @EnumSource(value = JdbcDialect.class, names = {"POSTGRESQL", "MARIADB"})
  void thePurgeMovesTheBucketsOfTheWindowsItDeletes(JdbcDialect dialect) {
    try (TestTables tables = TestTables.on(url(dialect));
        JdbcUsageStore store = tables.open();
        ApiBilling billing = billing(store, List.of(QuotaDefinition.of(MINUTE, 100)))) {
      billing.trackClientUsage(client, 1);
      billing.trackClientUsage(client, 2);
      billing.trackClientUsage(client, 3);
      clock.advance(Duration.ofMinutes(30));
      assertThat(store.purgeExpired(clock.instant())).isEqualTo(1);
      assertThat(rows(tables, "windows")).isZero();
      assertThat(billing.usageHistory(client, DAY1, DAY1)).containsExactly(new DailyUsage(DAY1, 6));
    }
  }

  @ParameterizedTest
  @EnumSource(value = JdbcDialect.class, names = {"POSTGRESQL", "MARIADB"})
  void aWindowsTableFromBeforeTheBucketsIsUpgradedKeepingEveryCount(JdbcDialect dialect) throws SQLException {
    try (TestTables tables = TestTables.on(url(dialect))) {
      try (JdbcUsageStore store = tables.open(); ApiBilling billing = billing(store, List.of(QuotaDefinition.of(MONTH, 100)))) {
        billing.trackClientUsage(client, 3);                     // a new row: counted in the daily row alone
      }
      // the table as the schema before the buckets made it, with what that version wrote
      execute(tables, "ALTER TABLE " + tables.prefix() + "windows DROP COLUMN bucket_day, DROP COLUMN bucket_credits");
      assertThatThrownBy(() -> tables.builder().poolSize(1).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("bucket_day")
          .hasMessageContaining("createSchema(true)");

      try (JdbcUsageStore store = tables.open(); ApiBilling billing = billing(store, List.of(QuotaDefinition.of(MONTH, 100)))) {
        billing.trackClientUsage(client, 2);                     // the old row starts a bucket
        billing.trackClientUsage(client, 1);                     // into the bucket
        assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(6L);
        assertThat(billing.usageHistory(client, DAY1, DAY1)).containsExactly(new DailyUsage(DAY1, 6));
        assertThat(billing.tryCharge(Charge.of(client, 95)).granted()).isFalse();
        assertThat(billing.tryCharge(Charge.of(client, 94)).granted()).isTrue();
      }
      try (JdbcUsageStore store = tables.builder().poolSize(1).build()) {
        assertThat(store.history(client, DAY1.toEpochDay(), DAY1.toEpochDay()))
            .as("the upgraded schema passes the check").containsExactly(new DayTotal(DAY1.toEpochDay(), 100));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = JdbcDialect.class, names = {"POSTGRESQL", "MARIADB"})
  void plainChargesAndSettlementsRacingOnOneClientKeepTheDayExact(JdbcDialect dialect) throws Exception {
    racingChargesAndSettlementsKeepTheDayExact(dialect, List.of(QuotaDefinition.of(MONTH, 1_000_000)));
  }

  @ParameterizedTest
  @EnumSource(value = JdbcDialect.class, names = {"POSTGRESQL", "MARIADB"})
  void plainChargesAndSettlementsOfTwoWindowsRacingOnOneClientKeepTheDayExact(JdbcDialect dialect) throws Exception {
    racingChargesAndSettlementsKeepTheDayExact(dialect,
        List.of(QuotaDefinition.of(DAY, 1_000_000), QuotaDefinition.of(MONTH, 1_000_000)));
  }

  /** Lock-free plain charges and locked reservations, settlements and releases of one client at once. */
  private void racingChargesAndSettlementsKeepTheDayExact(JdbcDialect dialect, List<QuotaDefinition> plan)
      throws Exception {
    try (TestTables tables = TestTables.on(url(dialect));
        JdbcUsageStore store = tables.open();
        ApiBilling billing = billing(store, plan)) {
      java.util.concurrent.atomic.AtomicLong expected = new java.util.concurrent.atomic.AtomicLong();
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
      try {
        List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < 6; t++) {
          boolean settles = t % 3 == 0;
          done.add(pool.submit(() -> {
            for (int i = 0; i < 40; i++) {
              if (settles) {
                Reservation r = billing.reserve(Charge.of(client, 4)).reservation().orElseThrow();
                long kept = i % 4;             // 0: a release
                assertThat(kept == 0 ? billing.release(r) : billing.commit(r, kept)).isTrue();
                expected.addAndGet(kept);
              } else {
                assertThat(billing.tryTrackClientUsage(client, 1).granted()).isTrue();
                expected.addAndGet(1);
              }
            }
            return null;
          }));
        }
        for (java.util.concurrent.Future<?> f : done) {
          f.get(2, java.util.concurrent.TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(expected.get()).isEqualTo(4 * 40 + 2 * 60);
      assertThat(billing.status(client).quotas()).extracting(QuotaState::used).allMatch(u -> u == expected.get());
      assertThat(billing.usageHistory(client, DAY1, DAY1)).containsExactly(new DailyUsage(DAY1, expected.get()));
    }
  }

  private static String url(JdbcDialect dialect) {
    return dialect == JdbcDialect.MARIADB ? Databases.mariadb() : Databases.postgres();
  }

  private ApiBilling billing(JdbcUsageStore store, List<QuotaDefinition> plan) {
    ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build();
    billing.updateClientQuotas(client, plan);
    return billing;
  }

  private static void execute(TestTables tables, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(tables.url()); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static long rows(TestTables tables, String table) {
    try (Connection c = DriverManager.getConnection(tables.url()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + tables.prefix() + table)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }
}
