package dev.apibilling.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import java.util.function.BiConsumer;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.IterationParams;

/**
 * One side of a JDBC benchmark ({@link PostgresBenchmark}, {@link MariaDbBenchmark}): its pool and its
 * counters, which count during the measurement iterations. Subclasses are the JMH states; their trial
 * set-up opens {@link #pool} and {@link #counters}.
 */
public abstract class JdbcSide {

  JdbcCounters counters;
  HikariDataSource pool;
  /** The table this side made, dropped when the trial ends ({@link #finish}). */
  String table;

  @Setup(Level.Iteration)
  public void beginIteration(IterationParams iteration) {
    counters.beginIteration(iteration);
  }

  @TearDown(Level.Iteration)
  public void endIteration(IterationParams iteration) {
    counters.endIteration(iteration);
  }

  /** Ends the trial: records the counts, drops {@link #table} as {@code drop} does, closes the pool. */
  void finish(BiConsumer<HikariDataSource, String> drop) {
    counters.finish();
    drop.accept(pool, table);
    pool.close();
  }
}
