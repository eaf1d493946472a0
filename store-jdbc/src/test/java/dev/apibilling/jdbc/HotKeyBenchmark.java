package dev.apibilling.jdbc;

import static dev.apibilling.QuotaDuration.DAY;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Not a test (run by hand, see the README): decisions per second on one hot client from N threads,
 * every decision granted (limit 10^15), pool of N + 1 connections, on its own table prefix (dropped
 * afterwards). Arguments: JDBC URL, threads (8), seconds measured (5) after 2 seconds of warm-up, and
 * optionally a dialect (e.g. MYSQL, to run that dialect on a MariaDB server) or {@code FLOOR}: the
 * physical floor on PostgreSQL, one conditional upsert ({@code INSERT ... ON CONFLICT DO UPDATE ... WHERE
 * used + 1 <= limit RETURNING used}) per decision through the same pool, for a side-by-side ratio.
 */
final class HotKeyBenchmark {

  private static final long LIMIT = 1_000_000_000_000_000L;

  private HotKeyBenchmark() {}

  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : Databases.postgresUrl();
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    String prefix = Databases.uniquePrefix();
    if (args.length > 3 && args[3].equals("FLOOR")) {
      floor(url, threads, seconds, prefix);
      return;
    }
    JdbcUsageStore.Builder builder = JdbcUsageStore.builder(url).tablePrefix(prefix).createSchema(true)
        .poolSize(threads + 1);
    if (args.length > 3) {
      builder.dialect(JdbcDialect.valueOf(args[3]));
    }
    try (JdbcUsageStore store = builder.build(); ApiBilling billing = ApiBilling.builder().store(store).build()) {
      String client = "hot-" + prefix;
      billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, LIMIT)));
      Run run = run(threads, seconds, () -> {
        if (!billing.tryTrackClientUsage(client, 1).granted()) {
          throw new AssertionError("denied");
        }
      });
      System.out.printf("%s, %d threads, one hot client: %.0f decisions/s (%d in %.1f s)%s%n", store.dialect(),
          threads, run.perSecond(), run.decisions(), run.seconds(), serverSetting(url, store.dialect()));
      store.dropSchema();
    }
  }

  private static void floor(String url, int threads, int seconds, String prefix) throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(threads + 1);
    String table = prefix + "floor";
    try (HikariDataSource ds = new HikariDataSource(config)) {
      try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE " + table + " (k text PRIMARY KEY, used bigint NOT NULL)");
      }
      String upsert = "INSERT INTO " + table + " AS t (k, used) VALUES (?, 1) ON CONFLICT (k) DO UPDATE"
          + " SET used = t.used + 1 WHERE t.used + 1 <= ? RETURNING used";
      Run run = run(threads, seconds, () -> {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(upsert)) {
          ps.setString(1, "hot");
          ps.setLong(2, LIMIT);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
          }
        }
      });
      System.out.printf("FLOOR (conditional upsert), %d threads, one hot key: %.0f decisions/s%s%n", threads,
          run.perSecond(), serverSetting(url, JdbcDialect.POSTGRESQL));
      try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
        s.execute("DROP TABLE " + table);
      }
    }
  }

  /** One decision; what it throws stops the run. */
  private interface Decision {
    void run() throws Exception;
  }

  /** What a run counted: decisions made in the measured seconds. */
  private record Run(long decisions, double seconds) {
    double perSecond() {
      return decisions / seconds;
    }
  }

  /** Runs {@code decision} in a loop on {@code threads} threads: 2 s of warm-up, then {@code seconds} counted. */
  private static Run run(int threads, int seconds, Decision decision) throws Exception {
    LongAdder decisions = new LongAdder();
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      new Thread(() -> {
        try {
          while (!stop.get()) {
            decision.run();
            if (measuring.get()) {
              decisions.increment();
            }
          }
        } catch (Exception | AssertionError e) {
          failure.compareAndSet(null, e);
          stop.set(true);
        } finally {
          done.countDown();
        }
      }).start();
    }
    Thread.sleep(2_000);
    measuring.set(true);
    long start = System.nanoTime();
    Thread.sleep(seconds * 1_000L);
    measuring.set(false);
    double elapsed = (System.nanoTime() - start) / 1e9;
    stop.set(true);
    done.await();
    if (failure.get() != null) {
      throw new IllegalStateException("a decision failed", failure.get());
    }
    return new Run(decisions.sum(), elapsed);
  }

  private static String serverSetting(String url, JdbcDialect dialect) throws Exception {
    if (dialect == JdbcDialect.H2) {
      return "";
    }
    String sql = dialect == JdbcDialect.POSTGRESQL ? "SHOW synchronous_commit"
        : "SELECT @@innodb_flush_log_at_trx_commit";
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return dialect == JdbcDialect.POSTGRESQL ? ", synchronous_commit=" + rs.getString(1)
          : ", innodb_flush_log_at_trx_commit=" + rs.getString(1);
    }
  }
}
