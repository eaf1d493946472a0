package dev.apibilling.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.apibilling.BillingDecision;
import dev.apibilling.jdbc.JdbcUsageStore;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Decisions per second on the machine's PostgreSQL (loopback, database {@code test}, the server's own
 * {@code synchronous_commit}), one credit per decision, 8 threads, each side on a HikariCP pool of
 * {@value #POOL} connections (threads + 1): apibilling's {@code JdbcUsageStore} (one quota per client)
 * against Bucket4j PostgreSQL's select-for-update and advisory-lock proxy managers (one limit per key,
 * expiring {@code basedOnTimeForRefillingBucketUpToMax(1 min)}). One hot key, and {@value #KEYS} keys (a
 * random one per call); every key is charged once before measuring. The floor is one conditional upsert in
 * autocommit ({@code INSERT ... ON CONFLICT DO UPDATE ... WHERE used + 1 <= limit RETURNING used}): one
 * statement, one round trip, one transaction. Network round trips per decision are counted by the driver's
 * socket factory ({@link CountingSocketFactory}) during the measurement. Tables are created under a
 * random prefix and dropped when the trial ends.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class PostgresBenchmark {

  static final int THREADS = 8;
  static final int POOL = THREADS + 1;
  static final int KEYS = 10_000;

  static String countedUrl() {
    return Postgres.URL + (Postgres.URL.contains("?") ? "&" : "?") + "socketFactory="
        + CountingSocketFactory.class.getName();
  }

  static HikariDataSource pool(String name) {
    return Postgres.pool(POOL, name, countedUrl());
  }

  static String randomPrefix() {
    return "bench_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 4) + "_";
  }

  static int randomKey() {
    return ThreadLocalRandom.current().nextInt(KEYS);
  }

  /** Drops every table and function whose name starts with {@code prefix}. */
  static void drop(HikariDataSource pool, String prefix) {
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      List<String> drops = new ArrayList<>();
      try (ResultSet r = s.executeQuery("SELECT 'DROP FUNCTION IF EXISTS ' || p.oid::regprocedure FROM pg_proc p"
          + " WHERE p.proname LIKE '" + prefix + "%'")) {
        while (r.next()) {
          drops.add(r.getString(1));
        }
      }
      try (ResultSet r = s.executeQuery("SELECT 'DROP TABLE IF EXISTS ' || quote_ident(tablename) || ' CASCADE'"
          + " FROM pg_tables WHERE tablename LIKE '" + prefix + "%'")) {
        while (r.next()) {
          drops.add(r.getString(1));
        }
      }
      for (String drop : drops) {
        s.execute(drop);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not drop the benchmark's tables " + prefix + "*", e);
    }
  }

  /** apibilling's JDBC store. */
  @State(Scope.Benchmark)
  public static class Ours extends JdbcBillingSide {
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
      open(params, pool("apibilling"), new JdbcCounters(params), PostgresBenchmark::drop);
    }
  }

  /** Bucket4j PostgreSQL: select-for-update, or advisory lock for the benchmarks named so. */
  @State(Scope.Benchmark)
  public static class Theirs extends Bucket4jJdbcSide {
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws SQLException {
      counters = new JdbcCounters(params);
      pool = pool("bucket4j");
      table = randomPrefix() + "bucket";
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        // Bucket4j's documented table; explicit_lock is where the advisory-lock variant keeps the lock id
        // of a row it may expire (unused, so null, with select-for-update).
        s.execute("CREATE TABLE " + table
            + " (id BIGINT PRIMARY KEY, state BYTEA, expires_at BIGINT, explicit_lock BIGINT)");
      }
      ProxyManager<Long> proxies = params.getBenchmark().contains("Advisory")
          ? Bucket4jPostgreSQL.advisoryLockBasedBuilder(pool).table(table).expirationAfterWrite(Limits.expiry())
              .build()
          : Bucket4jPostgreSQL.selectForUpdateBasedBuilder(pool).table(table)
              .expirationAfterWrite(Limits.expiry()).build();
      warm(proxies, params);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      finish(PostgresBenchmark::drop);
    }
  }

  /** The floor: one conditional upsert per decision, autocommit. */
  @State(Scope.Benchmark)
  public static class Floor extends JdbcSide {
    String upsert;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws SQLException {
      counters = new JdbcCounters(params);
      pool = pool("floor");
      table = randomPrefix() + "counter";
      upsert = "INSERT INTO " + table + " AS t (id, used) VALUES (?, 1) ON CONFLICT (id) DO UPDATE"
          + " SET used = t.used + 1 WHERE t.used + 1 <= ? RETURNING t.used";
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, used BIGINT NOT NULL)");
      }
      for (int key = 0; key <= KEYS; key++) {
        decide(key);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      finish(PostgresBenchmark::drop);
    }

    long decide(int key) {
      try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(upsert)) {
        s.setLong(1, key);
        s.setLong(2, Limits.HUGE);
        long used;
        try (ResultSet r = s.executeQuery()) {
          used = r.next() ? r.getLong(1) : -1;
        }
        counters.decided();
        return used;
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Benchmark
  @Threads(THREADS)
  public BillingDecision apibillingHotKey8Threads(Ours ours) {
    return ours.decide(JdbcBillingSide.HOT);
  }

  @Benchmark
  @Threads(THREADS)
  public ConsumptionProbe bucket4jHotKey8Threads(Theirs theirs) {
    return theirs.decide(theirs.hot);
  }

  @Benchmark
  @Threads(THREADS)
  public ConsumptionProbe bucket4jAdvisoryHotKey8Threads(Theirs theirs) {
    return theirs.decide(theirs.hot);
  }

  @Benchmark
  @Threads(THREADS)
  public long floorHotKey8Threads(Floor floor) {
    return floor.decide(KEYS);
  }

  @Benchmark
  @Threads(THREADS)
  public BillingDecision apibillingLeasedHotKey8Threads(Ours ours) {
    return ours.decide(JdbcBillingSide.HOT);
  }

  @Benchmark
  @Threads(THREADS)
  public BillingDecision apibillingLeasedManyKeys8Threads(Ours ours) {
    return ours.decide(ours.ids[randomKey()]);
  }

  @Benchmark
  @Threads(THREADS)
  public BillingDecision apibillingManyKeys8Threads(Ours ours) {
    return ours.decide(ours.ids[randomKey()]);
  }

  @Benchmark
  @Threads(THREADS)
  public ConsumptionProbe bucket4jManyKeys8Threads(Theirs theirs) {
    return theirs.decide(theirs.buckets.build((long) randomKey(), theirs.configuration));
  }

  @Benchmark
  @Threads(THREADS)
  public long floorManyKeys8Threads(Floor floor) {
    return floor.decide(randomKey());
  }
}
