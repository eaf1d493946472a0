package dev.apibilling.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.apibilling.ApiBilling;
import dev.apibilling.jdbc.JdbcUsageStore;
import dev.apibilling.redis.RedisUsageStore;
import dev.apibilling.spi.UsageStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The hot path with usage events on against off, interleaved so that both see the same machine: rounds of
 * one second of decisions with events off and one second with events on, each side first in every other
 * round (8 threads, one hot client, the charge of {@link UsageEventsBenchmark}), on two stores of the same
 * backend; reports the median decisions per second of each side and their ratio. On a shared machine whose
 * load changes from second to second, the interleaved medians compare fairer than two JMH trials minutes
 * apart. For Redis it also reports the server's microseconds per script call of each side ({@code INFO
 * commandstats}, wall time). Both report the CPU time per decision of the benchmark JVM and of the server
 * (Redis: {@code INFO cpu}; PostgreSQL: the benchmark's own backends, {@code /proc/<pid>/stat} of the pool's
 * connections found by their application name, so the server must run on this machine, else "-"): on a
 * machine where client and server share the cores, the total CPU per decision sets the throughput, and it
 * does not grow when other processes take the cores, so {@code cpu off / on} is the steadier ratio.
 * {@code --pg-only} skips Redis, {@code --redis-only} PostgreSQL.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.apibilling.benchmarks.EventsOverhead [rounds] [--pg-only | --redis-only]
 * }</pre>
 */
public final class EventsOverhead {

  private static final int THREADS = 8;
  /** Seconds of warm-up of each side, alternating, before the measured rounds. */
  private static final int WARM_UP_ROUNDS = 6;

  private EventsOverhead() {}

  public static void main(String[] args) throws Exception {
    int rounds = 15;
    boolean pgOnly = false;
    boolean redisOnly = false;
    for (String arg : args) {
      if (arg.equals("--pg-only")) {
        pgOnly = true;
      } else if (arg.equals("--redis-only")) {
        redisOnly = true;
      } else {
        rounds = Integer.parseInt(arg);
      }
    }
    PrintStream out = System.out;
    out.println("| store | events off (decisions/s, median) | events on | on / off | server us per call off / on "
        + "| JVM CPU us per decision off / on | server CPU us per decision off / on | CPU per decision, off / on |");
    out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    String prefix = "apibilling-bench-ovh-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";
    if (!pgOnly) {
      redis(out, prefix, rounds);
    }
    if (redisOnly) {
      return;
    }
    String application = "apibilling-ovh-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 4);
    String url = Postgres.URL + (Postgres.URL.contains("?") ? "&" : "?") + "ApplicationName=" + application;
    try (HikariDataSource pool = Postgres.pool(2 * PostgresBenchmark.POOL, "overhead", url)) {
      String offPrefix = PostgresBenchmark.randomPrefix();
      String onPrefix = PostgresBenchmark.randomPrefix();
      try (JdbcUsageStore off = JdbcUsageStore.builder(pool).tablePrefix(offPrefix).createSchema(true).build();
          JdbcUsageStore on = JdbcUsageStore.builder(pool).tablePrefix(onPrefix).createSchema(true).build()) {
        compare(out, "postgresql", off, on, rounds, null, () -> backendCpuSeconds(pool, application));
      } finally {
        PostgresBenchmark.drop(pool, offPrefix);
        PostgresBenchmark.drop(pool, onPrefix);
      }
    }
  }

  private static void redis(PrintStream out, String prefix, int rounds) throws InterruptedException {
    RedisClient client = RedisClient.create(RedisCounters.URL);
    try (RedisUsageStore off = RedisUsageStore.builder(client).keyPrefix(prefix + "off:").build();
        RedisUsageStore on = RedisUsageStore.builder(client).keyPrefix(prefix + "on:").build();
        StatefulRedisConnection<String, String> admin = client.connect()) {
      Supplier<String> stats = () -> admin.sync().info("commandstats");
      compare(out, "redis", off, on, rounds, stats, () -> Measures.redisCpuSeconds(admin.sync().info("cpu")));
    } finally {
      client.shutdown();
      EventExportThroughput.deleteRedisKeys(prefix);
    }
  }

  /**
   * The CPU seconds (user + system) of the PostgreSQL backends serving connections named {@code application},
   * from {@code /proc}; NaN when they cannot be read (the server on another machine).
   */
  private static double backendCpuSeconds(HikariDataSource pool, String application) {
    List<Integer> pids = new ArrayList<>();
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?")) {
      ps.setString(1, application);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          pids.add(rs.getInt(1));
        }
      }
    } catch (SQLException e) {
      return Double.NaN;
    }
    long ticks = 0;
    for (int pid : pids) {
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // the fields after the command (which is in parentheses and may hold spaces); utime and stime are 14, 15
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
      } catch (IOException | RuntimeException e) {
        return Double.NaN;
      }
    }
    return ticks / 100.0; // USER_HZ, 100 on Linux
  }

  private static void compare(PrintStream out, String name, UsageStore offStore,
      UsageStore onStore, int rounds, @Nullable Supplier<String> stats, DoubleSupplier serverCpuSeconds)
      throws InterruptedException {
    ApiBilling off = UsageEventsBenchmark.billing(offStore, "off");
    ApiBilling on = UsageEventsBenchmark.billing(onStore, "on");
    // warm-up, alternating: the JIT compiles the events path (event, record, its arguments) as well, and C2
    // was seen still compiling 6-9 s into a run, so a one-second warm-up left the first rounds on cold code
    for (int i = 0; i < WARM_UP_ROUNDS; i++) {
      phase(off, 1);
      phase(on, 1);
    }
    double[][] offs = new double[4][rounds];
    double[][] ons = new double[4][rounds];
    for (int r = 0; r < rounds; r++) {
      double[] a;
      double[] b;
      if (r % 2 == 0) { // off first in even rounds, on first in odd ones: neither side always follows the other
        a = measured(off, stats, serverCpuSeconds);
        b = measured(on, stats, serverCpuSeconds);
      } else {
        b = measured(on, stats, serverCpuSeconds);
        a = measured(off, stats, serverCpuSeconds);
      }
      for (int i = 0; i < 4; i++) {
        offs[i][r] = a[i];
        ons[i][r] = b[i];
      }
    }
    double offMedian = Measures.median(offs[0]);
    double onMedian = Measures.median(ons[0]);
    String server = stats == null ? "-" : String.format(Locale.ROOT, "%.1f / %.1f", Measures.median(offs[1]), Measures.median(ons[1]));
    boolean serverCpuKnown = !Double.isNaN(Measures.median(offs[3]));
    String serverCpu = !serverCpuKnown ? "-" : String.format(Locale.ROOT, "%.1f / %.1f", Measures.median(offs[3]), Measures.median(ons[3]));
    double offCpu = Measures.median(offs[2]) + (serverCpuKnown ? Measures.median(offs[3]) : 0);
    double onCpu = Measures.median(ons[2]) + (serverCpuKnown ? Measures.median(ons[3]) : 0);
    out.println(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %.2f | %s | %.1f / %.1f | %s | %.2f |", name,
        offMedian, onMedian, onMedian / offMedian, server, Measures.median(offs[2]), Measures.median(ons[2]), serverCpu,
        offCpu / onCpu));
    off.close();
    on.close();
  }

  /**
   * Of one phase: decisions per second, the server's microseconds per script call (or NaN), the JVM's CPU
   * microseconds per decision, the server's CPU microseconds per decision (or NaN).
   */
  private static double[] measured(ApiBilling billing, @Nullable Supplier<String> stats,
      DoubleSupplier serverCpuSeconds) throws InterruptedException {
    String before = stats == null ? null : stats.get();
    double serverCpuBefore = serverCpuSeconds.getAsDouble();
    long cpu = OS.getProcessCpuTime();
    long start = System.nanoTime();
    long n = phase(billing, 1);
    double seconds = (System.nanoTime() - start) / 1e9;
    double jvmMicros = (OS.getProcessCpuTime() - cpu) / 1e3 / Math.max(1, n);
    double serverCpu = (serverCpuSeconds.getAsDouble() - serverCpuBefore) * 1e6 / Math.max(1, n);
    double micros = Double.NaN;
    if (stats != null) {
      double[] a = Measures.evalsha(stats.get());
      double[] b = Measures.evalsha(before);
      micros = (a[1] - b[1]) / Math.max(1, a[0] - b[0]);
    }
    return new double[] {n / seconds, micros, jvmMicros, serverCpu};
  }

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  /** Runs {@value #THREADS} threads charging for {@code seconds}; returns the decisions made. */
  private static long phase(ApiBilling billing, int seconds) throws InterruptedException {
    return Measures.phase(() -> billing.tryCharge(UsageEventsBenchmark.CHARGE), THREADS, seconds);
  }
}
