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
 * reports the server's microseconds per script call of each side ({@code INFO commandstats}).
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
    out.println("| store | events off (decisions/s, median) | events on | on / off | server us per call off / on |");
    out.println("|---|---:|---:|---:|---:|");
    String prefix = "apibilling-bench-ovh-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";
    RedisClient client = RedisClient.create(RedisCounters.URL);
    try (RedisUsageStore off = RedisUsageStore.builder(client).keyPrefix(prefix + "off:").build();
        RedisUsageStore on = RedisUsageStore.builder(client).keyPrefix(prefix + "on:").build();
        StatefulRedisConnection<String, String> admin = client.connect()) {
      compare(out, "redis", off, on, rounds, () -> admin.sync().info("commandstats"));
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
    double[] offRates = new double[rounds];
    double[] onRates = new double[rounds];
    double[] offMicros = new double[rounds];
    double[] onMicros = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      double[] a = measured(off, stats);
      double[] b = measured(on, stats);
      offRates[r] = a[0];
      offMicros[r] = a[1];
      onRates[r] = b[0];
      onMicros[r] = b[1];
    }
    double offMedian = median(offRates);
    double onMedian = median(onRates);
    String server = stats == null ? "-" : String.format(Locale.ROOT, "%.1f / %.1f", median(offMicros), median(onMicros));
    out.println(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %.2f | %s |", name, offMedian, onMedian,
        onMedian / offMedian, server));
    off.close();
    on.close();
  }

  /** Decisions per second of one phase, and the server's microseconds per script call in it (or NaN). */
  private static double[] measured(ApiBilling billing, @Nullable Supplier<String> stats)
      throws InterruptedException {
    double[] before = stats == null ? null : evalsha(stats.get());
    long start = System.nanoTime();
    long n = phase(billing, 1);
    double seconds = (System.nanoTime() - start) / 1e9;
    double micros = Double.NaN;
    if (stats != null) {
      double[] after = evalsha(stats.get());
      micros = (after[1] - before[1]) / Math.max(1, after[0] - before[0]);
    }
    return new double[] {n / seconds, micros};
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
