package dev.apibilling.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.apibilling.BillingDecision;
import dev.apibilling.jdbc.JdbcUsageStore;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.mysql.Bucket4jMySQL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
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
 * {@link PostgresBenchmark}'s cases on the machine's MariaDB (loopback, database {@code test}, InnoDB with
 * the server's own {@code innodb_flush_log_at_trx_commit}): apibilling's {@code JdbcUsageStore} (its stored
 * procedure, one quota per client) against Bucket4j MySQL's select-for-update proxy manager (which runs on
 * MariaDB's driver unchanged), 8 threads, HikariCP pools of threads + 1. The floor is one conditional upsert
 * in autocommit ({@code INSERT ... ON DUPLICATE KEY UPDATE used = IF(used + 1 <= limit, used + 1, used)}, granted
 * when it changed the row): one statement, one round trip, one transaction. The JVM's and the
 * {@code mariadbd} process's CPU time per decision are recorded for {@link Suite}'s extras; round trips are
 * not counted (MariaDB's driver takes no counting socket factory here). Not in the suite's table: no target
 * names MariaDB; it shows what the MariaDB procedure's changes do, next to the floor and Bucket4j.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class MariaDbBenchmark {

  static final String URL = System.getenv().getOrDefault("APIBILLING_MARIADB_URL",
      "jdbc:mariadb://127.0.0.1:3306/test?user=root");
  private static final String SERVER = "mariadbd";

  static HikariDataSource pool(String name) {
    return Postgres.pool(PostgresBenchmark.POOL, name, URL);
  }

  /** Drops every table and procedure whose name starts with {@code prefix}. */
  static void drop(HikariDataSource pool, String prefix) {
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      List<String> drops = new ArrayList<>();
      try (ResultSet r = s.executeQuery("SELECT CONCAT('DROP ', ROUTINE_TYPE, ' IF EXISTS `', ROUTINE_NAME, '`')"
          + " FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME LIKE '"
          + prefix + "%'")) {
        while (r.next()) {
          drops.add(r.getString(1));
        }
      }
      try (ResultSet r = s.executeQuery("SELECT CONCAT('DROP TABLE IF EXISTS `', TABLE_NAME, '`')"
          + " FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '" + prefix + "%'")) {
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

  /** apibilling's JDBC store on MariaDB. */
  @State(Scope.Benchmark)
  public static class Ours extends JdbcBillingSide {
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
      open(params, pool("apibilling"), new JdbcCounters(params, SERVER, false), MariaDbBenchmark::drop);
    }
  }

  /** Bucket4j MySQL, select-for-update. */
  @State(Scope.Benchmark)
  public static class Theirs extends Bucket4jJdbcSide {
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws SQLException {
      counters = new JdbcCounters(params, SERVER, false);
      pool = pool("bucket4j");
      table = PostgresBenchmark.randomPrefix() + "bucket";
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        // Bucket4j's documented MySQL table
        s.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, state BLOB, expires_at BIGINT) ENGINE=InnoDB");
      }
      warm(Bucket4jMySQL.selectForUpdateBasedBuilder(pool).table(table)
          .expirationAfterWrite(Limits.expiry()).build(), params);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      finish(MariaDbBenchmark::drop);
    }
  }

  /** The floor: one conditional upsert per decision, autocommit. */
  @State(Scope.Benchmark)
  public static class Floor extends JdbcSide {
    String upsert;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws SQLException {
      counters = new JdbcCounters(params, SERVER, false);
      pool = pool("floor");
      table = PostgresBenchmark.randomPrefix() + "counter";
      upsert = "INSERT INTO " + table + " (id, used) VALUES (?, 1) ON DUPLICATE KEY UPDATE"
          + " used = IF(used + 1 <= ?, used + 1, used)";
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, used BIGINT NOT NULL) ENGINE=InnoDB");
      }
      for (int key = 0; key <= PostgresBenchmark.KEYS; key++) {
        decide(key);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      finish(MariaDbBenchmark::drop);
    }

    /** Granted when the upsert inserted or changed the row (the driver reports found rows otherwise). */
    int decide(int key) {
      try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(upsert)) {
        s.setLong(1, key);
        s.setLong(2, Limits.HUGE);
        int changed = s.executeUpdate();
        counters.decided();
        return changed;
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Benchmark
  @Threads(PostgresBenchmark.THREADS)
  public BillingDecision apibillingHotKey8Threads(Ours ours) {
    return ours.decide(JdbcBillingSide.HOT);
  }

  @Benchmark
  @Threads(PostgresBenchmark.THREADS)
  public ConsumptionProbe bucket4jHotKey8Threads(Theirs theirs) {
    return theirs.decide(theirs.hot);
  }

  @Benchmark
  @Threads(PostgresBenchmark.THREADS)
  public int floorHotKey8Threads(Floor floor) {
    return floor.decide(PostgresBenchmark.KEYS);
  }

  @Benchmark
  @Threads(PostgresBenchmark.THREADS)
  public BillingDecision apibillingManyKeys8Threads(Ours ours) {
    return ours.decide(ours.ids[PostgresBenchmark.randomKey()]);
  }

  @Benchmark
  @Threads(PostgresBenchmark.THREADS)
  public ConsumptionProbe bucket4jManyKeys8Threads(Theirs theirs) {
    return theirs.decide(theirs.buckets.build((long) PostgresBenchmark.randomKey(), theirs.configuration));
  }

  @Benchmark
  @Threads(PostgresBenchmark.THREADS)
  public int floorManyKeys8Threads(Floor floor) {
    return floor.decide(PostgresBenchmark.randomKey());
  }
}
