package dev.apibilling.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.WindowSlot;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL's coalesced plain charges ({@link JdbcUsageStore.Builder#coalesceCharges}, on by default): two
 * stores, 16 threads charging three clients of different credits. Each client's granted charges must have
 * answered exactly the counts {@code c, 2c, ..., limit} (a charge given another's answer, or two charges one
 * count, shows), every refusal the limit, the store the limit; no deadlock; and charges did go together
 * (fewer calls than charges).
 */
final class CoalescedChargeTest {

  private static final long START = 20_800L * 86_400_000L;
  private static final long NOW = START + 1_000;
  private static final int THREADS = 16;
  private static final int CHARGES_PER_THREAD = 150;

  @Test
  void concurrentPlainChargesOfSeveralClientsFromTwoStoresAreExactAndGoTogether() throws Exception {
    String url = Databases.postgres();
    String run = Databases.uniquePrefix();
    List<Client> clients = List.of(new Client(run + "-a", 1, 600), new Client(run + "-b", 7, 3_500),
        new Client(run + "-c", 3, 2_100, true));
    AtomicLong deadlocks = new AtomicLong();
    AtomicLong connections = new AtomicLong();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(9);
    try (TestTables tables = TestTables.on(url);
        HikariDataSource pool = new HikariDataSource(config);
        JdbcUsageStore one = open(tables, pool, deadlocks, connections);
        JdbcUsageStore two = open(tables, pool, deadlocks, connections)) {
      ExecutorService threads = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          JdbcUsageStore store = t % 2 == 0 ? one : two;
          int thread = t;
          done.add(threads.submit(() -> {
            for (int i = 0; i < CHARGES_PER_THREAD; i++) {
              Client c = clients.get((thread + i) % clients.size());
              ChargeResult r = store.charge(new ChargeRequest(c.id, c.windows, c.credits,
                  ChargeMode.CHARGE, null, 0, null, 0, START / 86_400_000L, Map.of(), NOW));
              (r.granted() ? c.granted : c.refused).add(r.used()[0]);
              if (r.granted()) {
                c.grants.incrementAndGet();
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
      for (Client c : clients) {
        Set<Long> counts = LongStream.rangeClosed(1, c.limit / c.credits).map(k -> k * c.credits).boxed()
            .collect(Collectors.toSet());
        assertThat(c.grants.get()).as("grants of %s", c.id).isEqualTo(c.limit / c.credits);
        assertThat(c.granted).as("counts answered to %s's grants", c.id).isEqualTo(counts);
        assertThat(c.refused).as("counts answered to %s's refusals", c.id).containsOnly(c.limit);
        assertThat(one.usage(c.id, c.windows, NOW)[0]).isEqualTo(c.limit);
      }
      assertThat(deadlocks.get()).as("deadlocks met").isZero();
      assertThat(connections.get()).as("calls, for %d charges", THREADS * CHARGES_PER_THREAD)
          .isLessThan(THREADS * CHARGES_PER_THREAD);
    }
  }

  @Test
  void aBatchAnswersEachChargeItsOwnCountInTheBatchsOrderWithOneWindowOrSeveral() throws Exception {
    String url = Databases.postgres();
    WindowSlot minute = new WindowSlot("minute", START, START + 60_000, 100);
    WindowSlot day = new WindowSlot("day", START, START + 86_400_000L, 50);
    String client = Databases.uniquePrefix() + "-batch";
    try (TestTables tables = TestTables.on(url); JdbcUsageStore store = tables.open();
        Connection c = java.sql.DriverManager.getConnection(url)) {
      PostgresOperations ops = new PostgresOperations(new Schema(tables.prefix()));
      ChargeResult[] one = ops.chargeMany(c, List.of(plain(client, List.of(minute), 5),
          plain(client, List.of(minute), 3), plain(client, List.of(minute), 93), plain(client, List.of(minute), 1)),
          Deadline.in(10_000));
      assertThat(one).extracting(ChargeResult::granted).containsExactly(true, true, false, true);
      assertThat(one).extracting(r -> r.used()[0]).containsExactly(5L, 8L, 8L, 9L);
      // the day quota (50) refuses 60 after 1 though the minute (100, at 10) would still take it
      List<WindowSlot> both = List.of(day, minute);
      ChargeResult[] two = ops.chargeMany(c, List.of(plain(client, both, 1), plain(client, both, 60),
          plain(client, both, 49), plain(client, both, 1)), Deadline.in(10_000));
      assertThat(two).extracting(ChargeResult::granted).containsExactly(true, false, true, false);
      assertThat(two[0].used()).containsExactly(1, 10);
      assertThat(two[1].used()).containsExactly(1, 10);
      assertThat(two[2].used()).containsExactly(50, 59);
      assertThat(two[3].used()).containsExactly(50, 59);
      assertThat(store.usage(client, both, NOW)).containsExactly(50, 59);
    }
  }

  @Test
  void aBatchOfChargesOfAnotherClientOrWindowsIsRefusedUnsent() throws Exception {
    WindowSlot minute = new WindowSlot("minute", START, START + 60_000, 100);
    PostgresOperations ops = new PostgresOperations(new Schema("unused_"));
    assertThatThrownBy(() -> ops.chargeMany(null, List.of(plain("a", List.of(minute), 1),
        plain("b", List.of(minute), 1)), Deadline.in(10_000))).isInstanceOf(IllegalArgumentException.class);
  }

  private static ChargeRequest plain(String client, List<WindowSlot> windows, long credits) {
    return new ChargeRequest(client, windows, credits, ChargeMode.CHARGE, null, 0, null, 0,
        START / 86_400_000L, Map.of(), NOW);
  }

  private static JdbcUsageStore open(TestTables tables, DataSource pool, AtomicLong deadlocks,
      AtomicLong connections) {
    DataSource counted = countingConnections(LockOrderTest.countingDeadlocks(pool, deadlocks), connections);
    return JdbcUsageStore.builder(counted).tablePrefix(tables.prefix()).createSchema(true)
        .timeout(Duration.ofSeconds(10)).build();
  }

  private static DataSource countingConnections(DataSource target, AtomicLong connections) {
    return (DataSource) Proxy.newProxyInstance(CoalescedChargeTest.class.getClassLoader(),
        new Class<?>[] {DataSource.class}, (self, method, args) -> {
          if (method.getName().equals("getConnection") && method.getReturnType() == Connection.class) {
            connections.incrementAndGet();
          }
          try {
            return method.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /**
   * A client charged {@code credits} at a time against a window of {@code limit} (a multiple of them), and
   * with {@code unlimitedMinute} a second, unlimited window too (the general charge function's batches).
   */
  private static final class Client {
    final String id;
    final long credits;
    final long limit;
    final List<WindowSlot> windows;
    final Set<Long> granted = ConcurrentHashMap.newKeySet();
    final Set<Long> refused = ConcurrentHashMap.newKeySet();
    final AtomicLong grants = new AtomicLong();

    Client(String id, long credits, long limit) {
      this(id, credits, limit, false);
    }

    Client(String id, long credits, long limit, boolean unlimitedMinute) {
      this.id = id;
      this.credits = credits;
      this.limit = limit;
      WindowSlot window = new WindowSlot("day", START, START + 86_400_000L, limit);
      this.windows = unlimitedMinute ? List.of(window, new WindowSlot("minute", START, START + 60_000, -1))
          : List.of(window);
    }
  }
}
