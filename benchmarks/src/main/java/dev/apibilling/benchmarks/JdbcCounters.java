package dev.apibilling.benchmarks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Counts decisions, the driver's network round trips ({@link CountingSocketFactory}), the JVM's CPU time and
 * the database server processes' CPU time during the measurement iterations of a PostgreSQL or MariaDB
 * benchmark, and records them per decision for {@link Suite}.
 */
final class JdbcCounters {

  private final String benchmark;
  /** The database server's process name ({@code postgres}, {@code mariadbd}). */
  private final String server;
  /** Whether the driver counts round trips through {@link CountingSocketFactory}. */
  private final boolean countsTrips;
  private final OpCounter decisions = new OpCounter();
  private long tripsAtStart;
  private long measuredTrips;
  private long serverTicksAtStart;
  private long measuredServerTicks;

  /** Linux's USER_HZ: the unit of utime and stime in /proc/[pid]/stat. */
  private static final long TICKS_PER_SECOND = 100;

  /**
   * CPU ticks (user + system) used so far by every process of this machine named {@code name} (for
   * {@code postgres}: the server's backends), including the work of other clients (so only meaningful on a
   * quiet machine), and -1 where there is no /proc (then nothing is recorded).
   */
  static long serverTicks(String name) {
    Path proc = Path.of("/proc");
    if (!Files.isDirectory(proc)) {
      return -1;
    }
    long ticks = 0;
    try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, "[0-9]*")) {
      for (Path pid : pids) {
        try {
          String stat = Files.readString(pid.resolve("stat"));
          int open = stat.indexOf('(');
          int close = stat.lastIndexOf(')');
          if (open < 0 || close < 0 || !stat.substring(open + 1, close).equals(name)) {
            continue;
          }
          String[] fields = stat.substring(close + 2).split(" ");
          ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
        } catch (IOException | RuntimeException gone) {
          // the process ended meanwhile
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return ticks;
  }

  /** Counters of a PostgreSQL benchmark, whose driver counts its round trips. */
  JdbcCounters(BenchmarkParams params) {
    this(params, "postgres", true);
  }

  /** Counters of a benchmark on the server process {@code server}; round trips only if {@code countsTrips}. */
  JdbcCounters(BenchmarkParams params, String server, boolean countsTrips) {
    this.benchmark = params.getBenchmark();
    this.server = server;
    this.countsTrips = countsTrips;
  }

  void decided() {
    decisions.increment();
  }

  void beginIteration(IterationParams iteration) {
    if (iteration.getType() == IterationType.MEASUREMENT) {
      decisions.beginIteration(iteration);
      tripsAtStart = CountingSocketFactory.ROUND_TRIPS.sum();
      serverTicksAtStart = serverTicks(server);
    }
  }

  void endIteration(IterationParams iteration) {
    if (iteration.getType() == IterationType.MEASUREMENT) {
      decisions.endIteration(iteration);
      measuredTrips += CountingSocketFactory.ROUND_TRIPS.sum() - tripsAtStart;
      measuredServerTicks += serverTicks(server) - serverTicksAtStart;
    }
  }

  void finish() {
    Map<String, String> values = new LinkedHashMap<>();
    decisions.putInto(values);
    if (countsTrips) {
      values.put("roundTrips", Extras.perDecision(measuredTrips, decisions.measuredOps()));
    }
    if (measuredServerTicks >= 0) {
      values.put("serverCpuMicros", Extras.perDecision(measuredServerTicks * 1_000_000 / TICKS_PER_SECOND,
          decisions.measuredOps()));
    }
    Extras.record(benchmark, values);
  }
}
