package dev.apibilling.benchmarks;

import dev.apibilling.ApiBilling;
import dev.apibilling.redis.RedisUsageStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * The Redis hot-key case of {@link RedisBenchmark} (8 threads, one client, one credit, each side on its own
 * Lettuce client and one shared connection) against its floor ({@link RedisBenchmark.Floor}: one
 * {@code EVALSHA} of the 4-command counter script), interleaved: rounds of one second of the floor and one
 * second of apibilling, the order swapped every round, so that both see the same machine. Reports per side
 * the median decisions per second, the server's microseconds per script call ({@code INFO commandstats},
 * wall time), and the CPU microseconds per decision of this JVM and of the Redis server ({@code INFO cpu}):
 * client and server share the cores, so their sum sets the throughput, and it is steadier than the
 * throughput when other processes take the cores.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.apibilling.benchmarks.RedisHotKeyFloor [rounds] [threads]
 * }</pre>
 */
public final class RedisHotKeyFloor {

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private RedisHotKeyFloor() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    PrintStream out = System.out;
    String prefix = "apibilling-bench-hot-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";
    out.println("load before: " + loadAverage());
    RedisClient admin = RedisClient.create(RedisCounters.URL);
    RedisClient floorClient = RedisClient.create(RedisCounters.URL);
    RedisClient ourClient = RedisClient.create(RedisCounters.URL);
    try (StatefulRedisConnection<String, String> adminConnection = admin.connect();
        StatefulRedisConnection<String, String> floorConnection = floorClient.connect();
        RedisUsageStore store =
            RedisUsageStore.builder(ourClient).keyPrefix(prefix + "ours:").build()) {
      RedisCommands<String, String> redis = floorConnection.sync();
      String sha = redis.scriptLoad(RedisBenchmark.Floor.SCRIPT);
      String[] keys = {prefix + "{hot}:w", prefix + "{hot}:d"};
      String[] argv = {"1", Long.toString(Limits.HUGE), "360000", "20000"};
      LongSupplier floor = () -> redis.evalsha(sha, ScriptOutputType.INTEGER, keys, argv);
      ApiBilling billing = ApiBilling.builder().store(store).defaultQuotas(Limits.oneQuota()).build();
      LongSupplier ours = () -> billing.tryTrackClientUsage("hot", 1).granted() ? 1 : 0;
      RedisCommands<String, String> stats = adminConnection.sync();
      Measures.phase(floor::getAsLong, threads, 2); // warm-up
      Measures.phase(ours::getAsLong, threads, 2);
      double[][] f = new double[4][rounds];
      double[][] o = new double[4][rounds];
      for (int r = 0; r < rounds; r++) {
        boolean floorFirst = r % 2 == 0;
        double[] a = measured(floorFirst ? floor : ours, threads, stats);
        double[] b = measured(floorFirst ? ours : floor, threads, stats);
        for (int i = 0; i < 4; i++) {
          f[i][r] = floorFirst ? a[i] : b[i];
          o[i][r] = floorFirst ? b[i] : a[i];
        }
        out.println(String.format(Locale.ROOT, "round %d: floor %,.0f/s, apibilling %,.0f/s (%.2f); CPU us per "
            + "decision JVM + server: floor %.1f + %.1f, apibilling %.1f + %.1f", r + 1, f[0][r], o[0][r],
            o[0][r] / f[0][r], f[2][r], f[3][r], o[2][r], o[3][r]));
      }
      billing.close();
      out.println("| side | decisions/s (median) | of floor | server us per script call | JVM CPU us per decision "
          + "| server CPU us per decision | CPU us per decision |");
      out.println("|---|---:|---:|---:|---:|---:|---:|");
      row(out, "floor", f, Measures.median(f[0]));
      row(out, "apibilling", o, Measures.median(f[0]));
      double[] ratios = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratios[r] = o[0][r] / f[0][r];
      }
      out.println(String.format(Locale.ROOT, "median of the per-round ratios: %.2f; CPU per decision floor / "
          + "apibilling: %.2f", Measures.median(ratios), (Measures.median(f[2]) + Measures.median(f[3])) / (Measures.median(o[2]) + Measures.median(o[3]))));
    } finally {
      floorClient.shutdown();
      ourClient.shutdown();
      EventExportThroughput.deleteRedisKeys(prefix);
      admin.shutdown();
    }
    out.println("load after: " + loadAverage());
  }

  private static void row(PrintStream out, String side, double[][] v, double floorMedian) {
    out.println(String.format(Locale.ROOT, "| %s | %,.0f | %.2f | %.1f | %.1f | %.1f | %.1f |", side, Measures.median(v[0]),
        Measures.median(v[0]) / floorMedian, Measures.median(v[1]), Measures.median(v[2]), Measures.median(v[3]), Measures.median(v[2]) + Measures.median(v[3])));
  }

  /**
   * Of one second of decisions: decisions per second, the server's microseconds per script call, the JVM's
   * CPU microseconds per decision, the server's CPU microseconds per decision.
   */
  private static double[] measured(LongSupplier decide, int threads, RedisCommands<String, String> stats)
      throws InterruptedException {
    String before = stats.info("commandstats") + stats.info("cpu");
    long cpu = OS.getProcessCpuTime();
    long start = System.nanoTime();
    long n = Math.max(1, Measures.phase(decide::getAsLong, threads, 1));
    double seconds = (System.nanoTime() - start) / 1e9;
    double jvm = (OS.getProcessCpuTime() - cpu) / 1e3 / n;
    String after = stats.info("commandstats") + stats.info("cpu");
    double[] x = Measures.evalsha(after);
    double[] y = Measures.evalsha(before);
    double micros = (x[1] - y[1]) / Math.max(1, x[0] - y[0]);
    double server = (Measures.redisCpuSeconds(after) - Measures.redisCpuSeconds(before)) * 1e6 / n;
    return new double[] {n / seconds, micros, jvm, server};
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (java.io.IOException e) {
      return "?";
    }
  }
}
