package dev.apibilling.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

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
        new Client(run + "-c", 3, 2_100));
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
              ChargeResult r = store.charge(new ChargeRequest(c.id, List.of(c.window), c.credits,
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
        assertThat(one.usage(c.id, List.of(c.window), NOW)).containsExactly(c.limit);
      }
      assertThat(deadlocks.get()).as("deadlocks met").isZero();
      assertThat(connections.get()).as("calls, for %d charges", THREADS * CHARGES_PER_THREAD)
          .isLessThan(THREADS * CHARGES_PER_THREAD);
    }
  }

  @Test
  void aBatchStraddlingAWindowsEndAnswersEachChargeItsOwnCountInTheBatchsOrder() throws Exception {
    String url = Databases.postgres();
    WindowSlot old = new WindowSlot("minute", START, START + 60_000, 100);
    WindowSlot next = new WindowSlot("minute", START + 60_000, START + 120_000, 100);
    String client = Databases.uniquePrefix() + "-straddle";
    try (TestTables tables = TestTables.on(url); JdbcUsageStore store = tables.open();
        Connection c = java.sql.DriverManager.getConnection(url)) {
      PostgresOperations ops = new PostgresOperations(new Schema(tables.prefix()));
      // the batch's order is not the window order it is sent in: the next window's charges come first
      List<ChargeRequest> batch = List.of(plain(client, next, 5), plain(client, old, 3), plain(client, next, 7),
          plain(client, old, 98), plain(client, old, 1));
      long[] answers = ops.chargeMany(c, batch, Deadline.in(10_000));
      assertThat(answers).containsExactly(5, 3, 12, -1 - 3, 4);
      assertThat(store.usage(client, List.of(old), NOW)).containsExactly(4);
      assertThat(store.usage(client, List.of(next), NOW)).containsExactly(12);
    }
  }

  private static ChargeRequest plain(String client, WindowSlot window, long credits) {
    return new ChargeRequest(client, List.of(window), credits, ChargeMode.CHARGE, null, 0, null, 0,
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

  /** A client charged {@code credits} at a time against one window of {@code limit} (a multiple of them). */
  private static final class Client {
    final String id;
    final long credits;
    final long limit;
    final WindowSlot window;
    final Set<Long> granted = ConcurrentHashMap.newKeySet();
    final Set<Long> refused = ConcurrentHashMap.newKeySet();
    final AtomicLong grants = new AtomicLong();

    Client(String id, long credits, long limit) {
      this.id = id;
      this.credits = credits;
      this.limit = limit;
      this.window = new WindowSlot("minute", START, START + 60_000, limit);
    }
  }
}
