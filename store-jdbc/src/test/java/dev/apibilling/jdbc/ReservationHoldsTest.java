package dev.apibilling.jdbc;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.Charge;
import dev.apibilling.DailyUsage;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaState;
import dev.apibilling.Reservation;
import dev.apibilling.tck.MutableClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The plain charge of one window ({@code charge_one}, PostgreSQL and MariaDB) looks for expired reservations
 * only when the window row's {@code hold_until} has passed: reservations set it, giving back expired ones and
 * settled ones going stale set it anew, and an upgraded table gets it from the reservations it holds.
 * Whatever the order, a plain charge never counts the credits of a reservation that has expired.
 */
final class ReservationHoldsTest {

  private static final LocalDate DAY1 = LocalDate.of(2026, 3, 10);

  private final MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");
  private final String client = "holds-" + UUID.randomUUID();

  @Test
  void aReservationSetsTheHoldAndAPlainChargeAfterItRefreshesIt() throws SQLException {
    reservationSetsTheHoldAndAPlainChargeAfterItRefreshesIt(Databases.postgres());
  }

  @Test
  void aReservationSetsTheHoldAndAPlainChargeAfterItRefreshesItOnMariaDb() throws SQLException {
    reservationSetsTheHoldAndAPlainChargeAfterItRefreshesIt(Databases.mariadb());
  }

  private void reservationSetsTheHoldAndAPlainChargeAfterItRefreshesIt(String url) throws SQLException {
    try (TestTables tables = TestTables.on(url);
        JdbcUsageStore store = tables.open();
        ApiBilling billing = billing(store, Duration.ofMinutes(5), QuotaDefinition.of(DAY, 100))) {
      long reservedAt = clock.millis();
      Reservation kept = billing.reserve(Charge.of(client, 4)).reservation().orElseThrow();
      assertThat(hold(tables)).isEqualTo(reservedAt + Duration.ofMinutes(5).toMillis());
      assertThat(billing.commit(kept, 4)).isTrue();

      clock.advance(Duration.ofMinutes(6));   // the hold has passed, but its reservation was settled
      assertThat(billing.tryTrackClientUsage(client, 1).lowest().used()).isEqualTo(5);
      assertThat(hold(tables)).as("no reservation left").isNull();

      billing.reserve(Charge.of(client, 7), Duration.ofMinutes(1));       // left unsettled
      billing.reserve(Charge.of(client, 2), Duration.ofMinutes(10));
      clock.advance(Duration.ofMinutes(2));
      assertThat(billing.tryTrackClientUsage(client, 1).lowest().used()).as("the 7 given back").isEqualTo(8);
      assertThat(hold(tables)).as("the reservation left").isEqualTo(clock.millis() + Duration.ofMinutes(8).toMillis());
      assertThat(billing.usageHistory(client, DAY1, DAY1)).containsExactly(new DailyUsage(DAY1, 8));
    }
  }

  @Test
  void aChargeTooBigForTheLimitReportsTheCountWithoutAnExpiredReservation() {
    chargeTooBigForTheLimitReportsTheCountWithoutAnExpiredReservation(Databases.postgres());
  }

  @Test
  void aChargeTooBigForTheLimitReportsTheCountWithoutAnExpiredReservationOnMariaDb() {
    chargeTooBigForTheLimitReportsTheCountWithoutAnExpiredReservation(Databases.mariadb());
  }

  private void chargeTooBigForTheLimitReportsTheCountWithoutAnExpiredReservation(String url) {
    try (TestTables tables = TestTables.on(url);
        JdbcUsageStore store = tables.open();
        ApiBilling billing = billing(store, Duration.ofMinutes(1), QuotaDefinition.of(DAY, 10))) {
      billing.trackClientUsage(client, 2);
      billing.reserve(Charge.of(client, 5));
      clock.advance(Duration.ofMinutes(2));
      assertThat(billing.tryTrackClientUsage(client, 11).lowest().used()).isEqualTo(2);
      assertThat(billing.tryTrackClientUsage(client, 8).granted()).isTrue();
    }
  }

  @Test
  void aWindowsTableFromBeforeTheHoldsGetsThemFromItsReservations() throws SQLException {
    windowsTableFromBeforeTheHoldsGetsThemFromItsReservations(Databases.postgres());
  }

  @Test
  void aWindowsTableFromBeforeTheHoldsGetsThemFromItsReservationsOnMariaDb() throws SQLException {
    windowsTableFromBeforeTheHoldsGetsThemFromItsReservations(Databases.mariadb());
  }

  private void windowsTableFromBeforeTheHoldsGetsThemFromItsReservations(String url) throws SQLException {
    try (TestTables tables = TestTables.on(url)) {
      try (JdbcUsageStore store = tables.open();
          ApiBilling billing = billing(store, Duration.ofMinutes(1), QuotaDefinition.of(MONTH, 100))) {
        billing.trackClientUsage(client, 3);
        billing.reserve(Charge.of(client, 6));
      }
      // the table as the schema before the holds made it: no hold on the reserved row
      execute(tables, "ALTER TABLE " + tables.prefix() + "windows DROP COLUMN hold_until");
      try (JdbcUsageStore store = tables.open();
          ApiBilling billing = billing(store, Duration.ofMinutes(1), QuotaDefinition.of(MONTH, 100))) {
        assertThat(hold(tables)).isNotNull();
        clock.advance(Duration.ofMinutes(2));
        assertThat(billing.tryTrackClientUsage(client, 1).lowest().used()).isEqualTo(4);
      }
    }
  }

  @Test
  void aPlainChargeMeetingAnExpiredHoldWhileTheClientIsLockedWaitsForTheLock() throws Exception {
    try (TestTables tables = TestTables.on(Databases.postgres());
        JdbcUsageStore store = tables.open();
        ApiBilling billing = billing(store, Duration.ofMinutes(1), QuotaDefinition.of(DAY, 10));
        Connection other = DriverManager.getConnection(tables.url())) {
      billing.trackClientUsage(client, 2);
      billing.reserve(Charge.of(client, 5));
      clock.advance(Duration.ofMinutes(2));
      // another transaction holds the client's lock (a reservation being made or settled, say)
      clientLock(other, tables, "pg_advisory_lock");
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try {
        Future<Long> used = pool.submit(() -> billing.tryTrackClientUsage(client, 1).lowest().used());
        while (!waitingForAnAdvisoryLock(other) && !used.isDone()) {
          Thread.onSpinWait();
        }
        assertThat(used).as("waits for the lock rather than failing").isNotDone();
        clientLock(other, tables, "pg_advisory_unlock");
        assertThat(used.get(1, TimeUnit.MINUTES)).as("the 5 given back").isEqualTo(3);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void plainChargesWhileReservationsExpireAndSettleCountExactly() throws Exception {
    racingPlainChargesAndReservationsCountExactly(Databases.postgres());
  }

  /** The same race on MariaDB (a lost update between a read and a write in its charge_one fails it too). */
  @Test
  void plainChargesWhileReservationsExpireAndSettleCountExactlyOnMariaDb() throws Exception {
    racingPlainChargesAndReservationsCountExactly(Databases.mariadb());
  }

  private void racingPlainChargesAndReservationsCountExactly(String url) throws Exception {
    try (TestTables tables = TestTables.on(url);
        JdbcUsageStore store = tables.open();
        ApiBilling billing = billing(store, Duration.ofSeconds(30), QuotaDefinition.of(DAY, 1_000_000))) {
      AtomicLong expected = new AtomicLong();
      AtomicLong calls = new AtomicLong();
      int workers = 6;
      int rounds = 40;
      ExecutorService pool = Executors.newFixedThreadPool(workers + 1);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < workers; t++) {
          int kind = t % 3;                 // 0: plain charges, 1: reservations settled, 2: left to expire
          done.add(pool.submit(() -> {
            for (int i = 0; i < rounds; i++) {
              if (kind == 0) {
                assertThat(billing.tryTrackClientUsage(client, 1).granted()).isTrue();
                expected.incrementAndGet();
              } else {
                Reservation r = billing.reserve(Charge.of(client, 3)).reservation().orElseThrow();
                if (kind == 1 && billing.commit(r, 2)) {
                  expected.addAndGet(2);
                }
              }
              calls.incrementAndGet();
            }
            return null;
          }));
        }
        done.add(pool.submit(() -> {          // time passes with the calls: holds pass, reservations expire
          long next = 6;
          while (calls.get() < (long) workers * rounds) {
            if (calls.get() >= next) {
              clock.advance(Duration.ofSeconds(10));
              next += 6;
            }
            Thread.onSpinWait();
          }
          return null;
        }));
        for (Future<?> f : done) {
          f.get(2, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      clock.advance(Duration.ofMinutes(1));    // every reservation left has expired
      assertThat(billing.tryTrackClientUsage(client, 1).lowest().used()).isEqualTo(expected.get() + 1);
      assertThat(billing.usageHistory(client, DAY1, DAY1)).containsExactly(new DailyUsage(DAY1, expected.get() + 1));
      assertThat(hold(tables)).isNull();
    }
  }

  private ApiBilling billing(JdbcUsageStore store, Duration ttl, QuotaDefinition quota) {
    ApiBilling billing = ApiBilling.builder().store(store).clock(clock).reservationTtl(ttl).build();
    billing.updateClientQuotas(client, List.of(quota));
    return billing;
  }

  /** The hold of the client's one window row. */
  private Long hold(TestTables tables) throws SQLException {
    try (Connection c = DriverManager.getConnection(tables.url()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT hold_until FROM " + tables.prefix() + "windows WHERE client_id = '"
            + client + "'")) {
      assertThat(rs.next()).as("the client's window row").isTrue();
      long hold = rs.getLong(1);
      Long result = rs.wasNull() ? null : hold;
      assertThat(rs.next()).as("one window row").isFalse();
      return result;
    }
  }

  /** Takes or releases, as {@code function} says, the client's advisory lock on {@code c}. */
  private void clientLock(Connection c, TestTables tables, String function) throws SQLException {
    try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT " + function + "(hashtext(?), hashtext(?))")) {
      ps.setString(1, tables.prefix());
      ps.setString(2, client);
      ps.executeQuery().close();
    }
  }

  private static boolean waitingForAnAdvisoryLock(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")) {
      rs.next();
      return rs.getLong(1) > 0;
    }
  }

  private static void execute(TestTables tables, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(tables.url()); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
