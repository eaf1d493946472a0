package dev.apibilling.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.apibilling.Requirements;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.WindowSlot;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Every routine locks a client's window rows in one order (policy, window start), so plain charges and
 * settlements of the same two windows, listed in opposite orders, never deadlock: no call meets a deadlock
 * (counted on the connections: PostgreSQL breaks one only after its deadlock_timeout of 1 s, InnoDB at once,
 * and the store retries it; on the old lock order PostgreSQL's wait also ran past the call's deadline), and
 * the windows and the day stay exact.
 */
final class LockOrderTest {

  private static final long DAY_MS = 86_400_000L;
  private static final long DAY = 20_800;
  private static final long START = DAY * DAY_MS;
  private static final long NOW = START + 60_000;
  private static final String CLIENT = "lock-order-client";
  private static final WindowSlot A = new WindowSlot("lock-order-a", START, START + DAY_MS, 1_000_000_000L);
  private static final WindowSlot B = new WindowSlot("lock-order-b", START, START + DAY_MS, 1_000_000_000L);
  private static final int THREADS = 8;
  private static final int ROUNDS = 200;

  @Test
  void chargesAndSettlementsOfTwoWindowsInOppositeOrdersNeverDeadlockOnPostgres() throws Exception {
    raceInOppositeOrders(Databases.postgres());
  }

  @Test
  void chargesAndSettlementsOfTwoWindowsInOppositeOrdersNeverDeadlockOnMariaDb() throws Exception {
    raceInOppositeOrders(Databases.mariadb());
  }

  @Test
  void aWindowRefusingAfterASaturatingOneLeavesItsCountExactOnPostgres() {
    refusalAfterASaturatingWindow(Databases.postgres());
  }

  @Test
  void aWindowRefusingAfterASaturatingOneLeavesItsCountExactOnMariaDb() {
    refusalAfterASaturatingWindow(Databases.mariadb());
  }

  /**
   * A plain charge that finds an expired reservation waits for the client's row holding no lock on that
   * reservation: MariaDB runs a subquery in a procedure's {@code IF} as a locking read, and its shared lock
   * would make the transaction giving the reservation back (holding the client's row) wait for the charge
   * while the charge waits for it, a deadlock.
   */
  @Test
  void aPlainChargeFindingAnExpiredReservationHoldsNoLockOnItOnMariaDb() throws Exception {
    String url = Databases.mariadb();
    AtomicLong deadlocks = new AtomicLong();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(2);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");  // as the store's own pool
    try (TestTables tables = TestTables.on(url);
        HikariDataSource pool = new HikariDataSource(config);
        JdbcUsageStore store = JdbcUsageStore.builder(countingDeadlocks(pool, deadlocks))
            .tablePrefix(tables.prefix()).createSchema(true).timeout(Duration.ofSeconds(20)).build();
        Connection giver = DriverManager.getConnection(url)) {
      assertThat(store.charge(request(List.of(A, B), 4, ChargeMode.RESERVE, "expiring")).granted()).isTrue();
      long later = NOW + 700_000;            // past the reservation's expiry
      giver.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      giver.setAutoCommit(false);
      try (Statement s = giver.createStatement()) {
        s.execute("SET SESSION innodb_lock_wait_timeout = 10");
        s.executeQuery("SELECT client_id FROM " + tables.prefix() + "clients WHERE client_id = '" + CLIENT
            + "' FOR UPDATE").close();
      }
      ExecutorService thread = Executors.newSingleThreadExecutor();
      try {
        // two windows: the general procedure, whose plain charge takes no client lock unless one expired
        Future<long[]> charge = thread.submit(() -> store.charge(new ChargeRequest(CLIENT, List.of(A, B), 1,
            ChargeMode.CHARGE, null, 0, null, 0, DAY, Map.of(), later)).used());
        awaitClientLockWait(giver, tables.prefix());
        try (Statement s = giver.createStatement()) {   // what giving back does first
          assertThat(s.executeUpdate("DELETE FROM " + tables.prefix() + "reservations WHERE client_id = '"
              + CLIENT + "' AND reservation_id = 'expiring'")).isEqualTo(1);
        }
        giver.rollback();                               // the charge gives it back itself
        assertThat(charge.get(30, TimeUnit.SECONDS)).containsExactly(1, 1);
      } finally {
        thread.shutdownNow();
      }
      assertThat(deadlocks.get()).isZero();
    }
  }

  /** Asks the server until a statement waits to lock the client's row (it runs for as long as {@code c} holds it). */
  private static void awaitClientLockWait(Connection c, String prefix) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Statement s = c.createStatement();
          java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM information_schema.PROCESSLIST"
              + " WHERE INFO LIKE 'INSERT INTO " + prefix + "clients%'")) {
        rs.next();
        if (rs.getInt(1) > 0) {
          return;
        }
      }
    }
    throw new AssertionError("the charge never waited for the client's row");
  }

  /** The unlimited window sorts first, so it is added (and saturates) before the limited one refuses. */
  private static void refusalAfterASaturatingWindow(String url) {
    long max = Requirements.MAX_CREDITS;
    WindowSlot unlimited = new WindowSlot("lock-order-a", START, START + DAY_MS, -1);
    WindowSlot limited = new WindowSlot("lock-order-b", START, START + DAY_MS, 10);
    try (TestTables tables = TestTables.on(url); JdbcUsageStore store = tables.open()) {
      assertThat(store.charge(request(List.of(unlimited), max - 1, ChargeMode.CHARGE, null)).granted()).isTrue();
      assertThat(store.charge(request(List.of(limited), 8, ChargeMode.CHARGE, null)).granted()).isTrue();
      assertThat(store.charge(request(List.of(limited, unlimited), 5, ChargeMode.CHARGE, null)).granted()).isFalse();
      assertThat(store.usage(CLIENT, List.of(unlimited, limited), NOW)).containsExactly(max - 1, 8);
      assertThat(store.charge(request(List.of(limited, unlimited), 2, ChargeMode.CHARGE, null)).used())
          .containsExactly(10, max);
      assertThat(store.usage(CLIENT, List.of(unlimited, limited), NOW)).containsExactly(max, 10);
    }
  }

  private static void raceInOppositeOrders(String url) throws Exception {
    AtomicLong deadlocks = new AtomicLong();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(THREADS + 1);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");  // as the store's own pool
    try (TestTables tables = TestTables.on(url);
        HikariDataSource pool = new HikariDataSource(config);
        JdbcUsageStore store = JdbcUsageStore.builder(countingDeadlocks(pool, deadlocks))
            .tablePrefix(tables.prefix()).createSchema(true).timeout(Duration.ofSeconds(5)).build()) {
      AtomicLong expected = new AtomicLong();
      ExecutorService threads = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          boolean settles = t % 2 == 0;
          int thread = t;
          done.add(threads.submit(() -> {
            for (int i = 0; i < ROUNDS; i++) {
              // each thread lists the windows in both orders, and so do the threads at any moment
              List<WindowSlot> windows = (i + thread / 2) % 2 == 0 ? List.of(A, B) : List.of(B, A);
              if (settles) {
                String id = "lock-order-" + thread + "-" + i;
                assertThat(store.charge(request(windows, 4, ChargeMode.RESERVE, id)).granted()).isTrue();
                long kept = i % 4;  // 0: a release
                assertThat(store.settle(new SettleRequest(CLIENT, id, kept, NOW))).isTrue();
                expected.addAndGet(kept);
              } else {
                assertThat(store.charge(request(windows, 1, ChargeMode.CHARGE, null)).granted()).isTrue();
                expected.addAndGet(1);
              }
            }
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get(2, TimeUnit.MINUTES);
        }
      } finally {
        threads.shutdownNow();
      }
      assertThat(deadlocks.get()).as("deadlocks met").isZero();
      assertThat(expected.get()).isEqualTo(THREADS / 2 * (ROUNDS + ROUNDS / 4 * 6));
      assertThat(store.usage(CLIENT, List.of(A, B), NOW)).containsExactly(expected.get(), expected.get());
      assertThat(store.history(CLIENT, DAY, DAY)).containsExactly(new DayTotal(DAY, expected.get()));
    }
  }

  private static ChargeRequest request(List<WindowSlot> windows, long credits, ChargeMode mode, String reservation) {
    return new ChargeRequest(CLIENT, windows, credits, mode, null, 0, reservation, NOW + 600_000, DAY, Map.of(),
        NOW);
  }

  /** The data source, counting the deadlocks its statements meet (PostgreSQL 40P01, MariaDB error 1213). */
  static DataSource countingDeadlocks(DataSource dataSource, AtomicLong deadlocks) {
    return proxy(DataSource.class, dataSource, deadlocks);
  }

  private static <T> T proxy(Class<T> type, T target, AtomicLong deadlocks) {
    Object proxy = Proxy.newProxyInstance(LockOrderTest.class.getClassLoader(), new Class<?>[] {type},
        (self, method, args) -> {
          Object result;
          try {
            result = method.invoke(target, args);
          } catch (InvocationTargetException e) {
            if (e.getCause() instanceof SQLException s
                && ("40P01".equals(s.getSQLState()) || s.getErrorCode() == 1213)) {
              deadlocks.incrementAndGet();
            }
            throw e.getCause();
          }
          if (result instanceof Connection c && method.getReturnType() == Connection.class) {
            return proxy(Connection.class, c, deadlocks);
          }
          if (result instanceof Statement s && Statement.class.isAssignableFrom(method.getReturnType())) {
            return proxy(castTo(method.getReturnType()), s, deadlocks);
          }
          return result;
        });
    return type.cast(proxy);
  }

  @SuppressWarnings("unchecked")
  private static Class<Statement> castTo(Class<?> type) {
    return (Class<Statement>) type;
  }
}
