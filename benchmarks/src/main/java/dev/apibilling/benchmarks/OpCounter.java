package dev.apibilling.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Counts operations (decisions, requests) and the CPU time this JVM used while the measurement iterations
 * ran. CPU per operation is steadier than throughput on a machine shared with other work: when another
 * process takes a core, throughput drops but the CPU each operation costs stays. It includes everything in
 * the JVM (clients, Netty and Jetty threads, the server of the HTTP case), not the Redis or PostgreSQL
 * server's processes.
 */
final class OpCounter {

  private final LongAdder ops = new LongAdder();
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private long opsAtStart;
  private long cpuAtStart;
  private long measuredOps;
  private long measuredCpuNanos;

  void increment() {
    ops.increment();
  }

  long measuredOps() {
    return measuredOps;
  }

  void beginIteration(IterationParams iteration) {
    if (iteration.getType() == IterationType.MEASUREMENT) {
      opsAtStart = ops.sum();
      cpuAtStart = os.getProcessCpuTime();
    }
  }

  void endIteration(IterationParams iteration) {
    if (iteration.getType() == IterationType.MEASUREMENT) {
      measuredCpuNanos += os.getProcessCpuTime() - cpuAtStart;
      measuredOps += ops.sum() - opsAtStart;
    }
  }

  /** Puts {@code decisions} and {@code cpuMicros} (JVM CPU per operation, microseconds) into {@code values}. */
  void putInto(Map<String, String> values) {
    values.put("decisions", Long.toString(measuredOps));
    values.put("cpuMicros", Extras.perDecision(measuredCpuNanos / 1000, measuredOps));
  }
}
