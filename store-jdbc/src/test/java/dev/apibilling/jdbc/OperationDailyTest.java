package dev.apibilling.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.ApiBilling;
import dev.apibilling.Charge;
import dev.apibilling.DailyUsage;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.Reservation;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.WindowSlot;
import dev.apibilling.tck.MutableClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The JDBC side of daily totals per operation, beyond the core's contract: a reservations table made before
 * the operation column is upgraded in place (and reported when the schema is not created), the purge gives
 * expired reservations back to their operation and deletes old operation totals, and charges of no
 * operation write no operation row.
 */
final class OperationDailyTest {

  private static final long DAY_MILLIS = 86_400_000L;
  private static final long NOW = Instant.parse("2026-03-10T10:15:30Z").toEpochMilli();
  private static final long DAY = Math.floorDiv(NOW, DAY_MILLIS);

  private final String client = "opday-" + UUID.randomUUID();

  // ---- upgrade in place -----------------------------------------------------------------------

  @Test
  void aReservationsTableWithoutTheOperationColumnIsUpgradedInPlaceOnPostgres() throws SQLException {
    upgradesInPlace(Databases.postgres(), null);
  }

  @Test
  void aReservationsTableWithoutTheOperationColumnIsUpgradedInPlaceOnMariaDb() throws SQLException {
    upgradesInPlace(Databases.mariadb(), null);
  }

  @Test
  void aReservationsTableWithoutTheOperationColumnIsUpgradedInPlaceInTheMySqlDialect() throws SQLException {
    upgradesInPlace(Databases.mariadb(), JdbcDialect.MYSQL);
  }

  @Test
  void aReservationsTableWithoutTheOperationColumnIsUpgradedInPlaceOnH2() throws SQLException {
    upgradesInPlace(Databases.h2Url(), null);
  }

  /** The tables as a schema before the operation history made them, with a reservation held in them. */
  private void upgradesInPlace(String url, @Nullable JdbcDialect dialect) throws SQLException {
    try (TestTables tables = TestTables.on(url)) {
      try (JdbcUsageStore store = open(tables, dialect)) {
        assertThat(store.charge(reserve("old", 10, null)).granted()).isTrue();
      }
      String p = tables.prefix();
      execute(url, "ALTER TABLE " + p + "reservations DROP COLUMN operation");
      assertThatThrownBy(() -> builder(tables, dialect).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("column operation of " + p + "reservations is missing")
          .hasMessageContaining("createSchema(true)");
      execute(url, "DROP TABLE " + p + "operation_daily");
      assertThatThrownBy(() -> builder(tables, dialect).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("createSchema(true)")
          .satisfies(e -> assertThat(e.getMessage().toLowerCase(Locale.ROOT)).contains("operation_daily"));

      try (JdbcUsageStore store = open(tables, dialect)) {
        assertThat(store.settle(new SettleRequest(client, "old", 4, NOW))).as("the old reservation").isTrue();
        assertThat(store.charge(reserve("new", 10, "send")).granted()).isTrue();
        assertThat(store.settle(new SettleRequest(client, "new", 3, NOW))).isTrue();
        assertThat(store.history(client, "send", DAY, DAY)).containsExactly(new DayTotal(DAY, 3));
        assertThat(store.history(client, DAY, DAY)).containsExactly(new DayTotal(DAY, 7));
        store.createSchema();   // again: an up-to-date table is left as it is
      }
      try (JdbcUsageStore store = builder(tables, dialect).build()) {
        assertThat(store.history(client, "send", DAY, DAY)).as("the upgraded schema passes the check")
            .containsExactly(new DayTotal(DAY, 3));
        assertThat(store.usage(client, windows(), NOW)).containsExactly(7L, 7L);
      }
    }
  }

  // ---- purge ----------------------------------------------------------------------------------

  @Test
  void thePurgeGivesExpiredReservationsBackToTheirOperationsOnPostgres() {
    purgeGivesBackAndDeletesOldTotals(Databases.postgres(), null);
  }

  @Test
  void thePurgeGivesExpiredReservationsBackToTheirOperationsOnMariaDb() {
    purgeGivesBackAndDeletesOldTotals(Databases.mariadb(), null);
  }

  @Test
  void thePurgeGivesExpiredReservationsBackToTheirOperationsInTheMySqlDialect() {
    purgeGivesBackAndDeletesOldTotals(Databases.mariadb(), JdbcDialect.MYSQL);
  }

  @Test
  void thePurgeGivesExpiredReservationsBackToTheirOperationsOnH2() {
    purgeGivesBackAndDeletesOldTotals(Databases.h2Url(), null);
  }

  /**
   * Reservations of two operations and of none, on two days, expire and are given back by the purge (not
   * by a call of the client); then the purge deletes the operation totals older than the retention.
   */
  private void purgeGivesBackAndDeletesOldTotals(String url, @Nullable JdbcDialect dialect) {
    try (TestTables tables = TestTables.on(url);
        JdbcUsageStore store = builder(tables, dialect).createSchema(true).historyRetention(Duration.ofDays(2)).build()) {
      long tomorrow = NOW + DAY_MILLIS;
      assertThat(store.charge(charge(5, "send", NOW)).granted()).isTrue();
      // expiring after tomorrow's calls of the client, so the purge is what gives them back
      assertThat(store.charge(reserve("a", 7, "send", tomorrow + 1_000)).granted()).isTrue();
      assertThat(store.charge(reserve("b", 4, "report", tomorrow + 1_000)).granted()).isTrue();
      assertThat(store.charge(reserve("c", 2, null, tomorrow + 1_000)).granted()).isTrue();
      assertThat(store.charge(new ChargeRequest(client, windows(), 6, ChargeMode.RESERVE, null, 0, "d",
          tomorrow + 1_000, DAY + 1, Map.of(), tomorrow, null, "send")).granted()).isTrue();
      assertThat(store.charge(charge(1, "send", tomorrow)).granted()).isTrue();
      assertThat(store.history(client, "send", DAY, DAY + 1))
          .containsExactly(new DayTotal(DAY, 12), new DayTotal(DAY + 1, 7));

      store.purgeExpired(Instant.ofEpochMilli(tomorrow + 2_000));
      assertThat(store.history(client, "send", DAY, DAY + 1))
          .containsExactly(new DayTotal(DAY, 5), new DayTotal(DAY + 1, 1));
      assertThat(store.history(client, "report", DAY, DAY + 1)).isEmpty();
      assertThat(store.history(client, DAY, DAY + 1)).containsExactly(new DayTotal(DAY, 5), new DayTotal(DAY + 1, 1));
      assertThat(rows(tables, "operation_daily")).as("two days of send, one of report (zero)").isEqualTo(3);

      store.purgeExpired(Instant.ofEpochMilli(NOW + 3 * DAY_MILLIS));   // DAY is now older than 2 days
      assertThat(store.history(client, "send", DAY, DAY + 1)).containsExactly(new DayTotal(DAY + 1, 1));
      assertThat(rows(tables, "operation_daily")).isEqualTo(1);
    }
  }

  // ---- no operation, no row -------------------------------------------------------------------

  @Test
  void chargesOfNoOperationWriteNoOperationRowOnPostgres() {
    chargesOfNoOperationWriteNoOperationRow(Databases.postgres(), null);
  }

  @Test
  void chargesOfNoOperationWriteNoOperationRowOnMariaDb() {
    chargesOfNoOperationWriteNoOperationRow(Databases.mariadb(), null);
  }

  @Test
  void chargesOfNoOperationWriteNoOperationRowInTheMySqlDialect() {
    chargesOfNoOperationWriteNoOperationRow(Databases.mariadb(), JdbcDialect.MYSQL);
  }

  @Test
  void chargesOfNoOperationWriteNoOperationRowOnH2() {
    chargesOfNoOperationWriteNoOperationRow(Databases.h2Url(), null);
  }

  private void chargesOfNoOperationWriteNoOperationRow(String url, @Nullable JdbcDialect dialect) {
    try (TestTables tables = TestTables.on(url); JdbcUsageStore store = open(tables, dialect)) {
      List<WindowSlot> one = List.of(windows().get(0));
      assertThat(store.charge(new ChargeRequest(client, one, 1, ChargeMode.CHARGE, null, 0, null, 0, DAY,
          Map.of(), NOW)).granted()).isTrue();
      assertThat(store.charge(charge(2, null, NOW)).granted()).isTrue();
      assertThat(store.charge(reserve("r", 3, null)).granted()).isTrue();
      assertThat(store.settle(new SettleRequest(client, "r", 1, NOW))).isTrue();
      // an operation's check and its refused charge write nothing either
      assertThat(store.charge(new ChargeRequest(client, windows(), 2, ChargeMode.CHECK, null, 0, null, 0, DAY,
          Map.of(), NOW, null, "send")).granted()).isTrue();
      assertThat(store.charge(charge(1_000, "send", NOW)).granted()).isFalse();
      assertThat(store.history(client, DAY, DAY)).containsExactly(new DayTotal(DAY, 4));
      assertThat(rows(tables, "operation_daily")).isZero();
    }
  }

  // ---- races ---------------------------------------------------------------------------------

  @Test
  void plainChargesAndSettlementsOfAnOperationRacingKeepItsTotalExactOnPostgres() throws Exception {
    racingChargesAndSettlementsKeepTheTotalsExact(Databases.postgres(), null);
  }

  @Test
  void plainChargesAndSettlementsOfAnOperationRacingKeepItsTotalExactOnMariaDb() throws Exception {
    racingChargesAndSettlementsKeepTheTotalsExact(Databases.mariadb(), null);
  }

  @Test
  void plainChargesAndSettlementsOfAnOperationRacingKeepItsTotalExactInTheMySqlDialect() throws Exception {
    racingChargesAndSettlementsKeepTheTotalsExact(Databases.mariadb(), JdbcDialect.MYSQL);
  }

  @Test
  void plainChargesAndSettlementsOfAnOperationRacingKeepItsTotalExactOnH2() throws Exception {
    racingChargesAndSettlementsKeepTheTotalsExact(Databases.h2Url(), null);
  }

  /**
   * Plain charges of an operation (no client lock on PostgreSQL and MariaDB), charges of no operation, and
   * reservations of the operation settled for part or released (under the client's lock), all at once on
   * one client: no call fails and the operation's total and the client's are exact.
   */
  private void racingChargesAndSettlementsKeepTheTotalsExact(String url, @Nullable JdbcDialect dialect)
      throws Exception {
    MutableClock clock = MutableClock.at(Instant.ofEpochMilli(NOW).toString());
    LocalDate day = LocalDate.ofEpochDay(DAY);
    try (TestTables tables = TestTables.on(url);
        JdbcUsageStore store = open(tables, dialect);
        ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build()) {
      billing.updateClientQuotas(client, List.of(QuotaDefinition.of(QuotaDuration.DAY, 1_000_000),
          QuotaDefinition.of(QuotaDuration.MONTH, 1_000_000),
          QuotaDefinition.of(QuotaDuration.DAY, 1_000_000).forOperation("send")));
      AtomicLong operation = new AtomicLong();
      AtomicLong all = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(6);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
          int kind = t % 3;
          done.add(pool.submit(() -> {
            for (int i = 0; i < 30; i++) {
              if (kind == 0) {
                Reservation r = billing.reserve(Charge.of(client, 4).operation("send")).reservation().orElseThrow();
                long kept = i % 4;             // 0: a release
                assertThat(kept == 0 ? billing.release(r) : billing.commit(r, kept)).isTrue();
                operation.addAndGet(kept);
                all.addAndGet(kept);
              } else if (kind == 1) {
                assertThat(billing.tryCharge(Charge.of(client, 1).operation("send")).granted()).isTrue();
                operation.addAndGet(1);
                all.addAndGet(1);
              } else {
                assertThat(billing.tryCharge(Charge.of(client, 2)).granted()).isTrue();
                all.addAndGet(2);
              }
            }
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get(2, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(operation.get()).as("kept: 7 rounds of 0+1+2+3, then 0+1; plain: 30").isEqualTo(2 * 43 + 2 * 30);
      assertThat(billing.usageHistory(client, "send", day, day)).containsExactly(new DailyUsage(day, operation.get()));
      assertThat(billing.usageHistory(client, day, day)).containsExactly(new DailyUsage(day, all.get()));
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** A client-wide day window (limit 100) and an operation's (limit 50), as core sends them. */
  private static List<WindowSlot> windows() {
    return List.of(new WindowSlot("day", DAY * DAY_MILLIS, (DAY + 1) * DAY_MILLIS, 100),
        new WindowSlot("send/day", DAY * DAY_MILLIS, (DAY + 1) * DAY_MILLIS, 50));
  }

  private ChargeRequest charge(long credits, @Nullable String operation, long now) {
    return new ChargeRequest(client, windows(), credits, ChargeMode.CHARGE, null, 0, null, 0,
        Math.floorDiv(now, DAY_MILLIS), Map.of(), now, null, operation);
  }

  private ChargeRequest reserve(String id, long credits, @Nullable String operation) {
    return reserve(id, credits, operation, NOW + 1_000);
  }

  private ChargeRequest reserve(String id, long credits, @Nullable String operation, long expiresAt) {
    return new ChargeRequest(client, windows(), credits, ChargeMode.RESERVE, null, 0, id, expiresAt, DAY,
        Map.of(), NOW, null, operation);
  }

  private static JdbcUsageStore.Builder builder(TestTables tables, @Nullable JdbcDialect dialect) {
    JdbcUsageStore.Builder b = tables.builder().poolSize(2).timeout(Duration.ofSeconds(5));
    return dialect == null ? b : b.dialect(dialect);
  }

  private static JdbcUsageStore open(TestTables tables, @Nullable JdbcDialect dialect) {
    return builder(tables, dialect).createSchema(true).build();
  }

  private static void execute(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
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
