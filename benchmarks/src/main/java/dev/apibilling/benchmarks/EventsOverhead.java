package dev.apibilling.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.apibilling.ApiBilling;
import dev.apibilling.jdbc.JdbcUsageStore;
import dev.apibilling.redis.RedisUsageStore;
import dev.apibilling.spi.UsageStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The hot path with usage events on against off, interleaved so that both see the same machine: rounds of
 * one second of decisions with events off, then one second with events on (8 threads, one hot client, the
 * charge of {@link UsageEventsBenchmark}), on two stores of the same backend; reports the median
 * decisions per second of each side and their ratio. On a shared machine whose load changes from second to
 * second, the interleaved medians compare fairer than two JMH trials minutes apart. For Redis it also
 * reports the server's microseconds per script call of each side ({@code INFO commandstats}, wall time) and
 * the CPU time per decision of the benchmark JVM and (Redis) of the server ({@code INFO cpu}): on a
 * machine where client and server share the cores, the total CPU per decision sets the throughput, and
 * it does not grow when other processes take the cores, so {@code cpu off / on} is the steadier ratio.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.apibilling.benchmarks.EventsOverhead [rounds]
 * }</pre>
 */
public final class EventsOverhead {

  private static final int THREADS = 8;

  private EventsOverhead() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    PrintStream out = System.out;
    out.println("| store | events off (decisions/s, median) | events on | on / off | server us per call off / on "
        + "| JVM CPU us per decision off / on | server CPU us per decision off / on | CPU per decision, off / on |");
    out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    String prefix = "apibilling-bench-ovh-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";
    RedisClient client = RedisClient.create(RedisCounters.URL);
    try (RedisUsageStore off = RedisUsageStore.builder(client).keyPrefix(prefix + "off:").build();
        RedisUsageStore on = RedisUsageStore.builder(client).keyPrefix(prefix + "on:").build();
        StatefulRedisConnection<String, String> admin = client.connect()) {
      compare(out, "redis", off, on, rounds, () -> admin.sync().info("commandstats") + admin.sync().info("cpu"));
    } finally {
      client.shutdown();
      EventExportThroughput.deleteRedisKeys(prefix);
    }
    try (HikariDataSource pool = Postgres.pool(2 * PostgresBenchmark.POOL, "overhead", Postgres.URL)) {
      String offPrefix = PostgresBenchmark.randomPrefix();
      String onPrefix = PostgresBenchmark.randomPrefix();
      try (JdbcUsageStore off = JdbcUsageStore.builder(pool).tablePrefix(offPrefix).createSchema(true).build();
          JdbcUsageStore on = JdbcUsageStore.builder(pool).tablePrefix(onPrefix).createSchema(true).build()) {
        compare(out, "postgresql", off, on, rounds, null);
      } finally {
        PostgresBenchmark.drop(pool, offPrefix);
        PostgresBenchmark.drop(pool, onPrefix);
      }
    }
  }

  private static void compare(PrintStream out, String name, UsageStore offStore,
      UsageStore onStore, int rounds, @Nullable Supplier<String> stats)
      throws InterruptedException {
    ApiBilling off = UsageEventsBenchmark.billing(offStore, "off");
    ApiBilling on = UsageEventsBenchmark.billing(onStore, "on");
    phase(off, 1); // warm-up
    phase(on, 1);
    double[][] offs = new double[4][rounds];
    double[][] ons = new double[4][rounds];
    for (int r = 0; r < rounds; r++) {
      double[] a = measured(off, stats);
      double[] b = measured(on, stats);
      for (int i = 0; i < 4; i++) {
        offs[i][r] = a[i];
        ons[i][r] = b[i];
      }
    }
    double offMedian = median(offs[0]);
    double onMedian = median(ons[0]);
    String server = stats == null ? "-" : String.format(Locale.ROOT, "%.1f / %.1f", median(offs[1]), median(ons[1]));
    String serverCpu = stats == null ? "-" : String.format(Locale.ROOT, "%.1f / %.1f", median(offs[3]), median(ons[3]));
    double offCpu = median(offs[2]) + (stats == null ? 0 : median(offs[3]));
    double onCpu = median(ons[2]) + (stats == null ? 0 : median(ons[3]));
    out.println(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %.2f | %s | %.1f / %.1f | %s | %.2f |", name,
        offMedian, onMedian, onMedian / offMedian, server, median(offs[2]), median(ons[2]), serverCpu,
        offCpu / onCpu));
    off.close();
    on.close();
  }

  /**
   * Of one phase: decisions per second, the server's microseconds per script call (or NaN), the JVM's CPU
   * microseconds per decision, the server's CPU microseconds per decision (or NaN).
   */
  private static double[] measured(ApiBilling billing, @Nullable Supplier<String> stats)
      throws InterruptedException {
    String before = stats == null ? null : stats.get();
    long cpu = OS.getProcessCpuTime();
    long start = System.nanoTime();
    long n = phase(billing, 1);
    double seconds = (System.nanoTime() - start) / 1e9;
    double jvmMicros = (OS.getProcessCpuTime() - cpu) / 1e3 / Math.max(1, n);
    double micros = Double.NaN;
    double serverCpu = Double.NaN;
    if (stats != null) {
      String after = stats.get();
      double[] a = evalsha(after);
      double[] b = evalsha(before);
      micros = (a[1] - b[1]) / Math.max(1, a[0] - b[0]);
      serverCpu = (cpuSeconds(after) - cpuSeconds(before)) * 1e6 / Math.max(1, n);
    }
    return new double[] {n / seconds, micros, jvmMicros, serverCpu};
  }

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  /** used_cpu_sys + used_cpu_user of an INFO cpu answer, seconds. */
  private static double cpuSeconds(String info) {
    double seconds = 0;
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
        seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return seconds;
  }

  /** Runs {@value #THREADS} threads charging for {@code seconds}; returns the decisions made. */
  private static long phase(ApiBilling billing, int seconds) throws InterruptedException {
    LongAdder count = new LongAdder();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    CountDownLatch done = new CountDownLatch(THREADS);
    for (int t = 0; t < THREADS; t++) {
      Thread thread = new Thread(() -> {
        while (System.nanoTime() < end) {
          billing.tryCharge(UsageEventsBenchmark.CHARGE);
          count.increment();
        }
        done.countDown();
      });
      thread.setDaemon(true);
      thread.start();
    }
    done.await();
    return count.sum();
  }

  /** {calls, usec} of evalsha in an INFO commandstats answer. */
  private static double[] evalsha(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("cmdstat_evalsha:")) {
        double calls = 0;
        double usec = 0;
        for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
          String[] kv = part.split("=");
          if (kv[0].equals("calls")) {
            calls = Double.parseDouble(kv[1]);
          } else if (kv[0].equals("usec")) {
            usec = Double.parseDouble(kv[1]);
          }
        }
        return new double[] {calls, usec};
      }
    }
    return new double[] {0, 0};
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
