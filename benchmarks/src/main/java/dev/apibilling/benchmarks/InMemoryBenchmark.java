package dev.apibilling.benchmarks;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One decision of one credit on one client, in memory, time per decision: apibilling's default store
 * ({@code tryTrackClientUsage}, which returns the decision with every quota's used count) against a Bucket4j
 * local bucket ({@code tryConsumeAndReturnRemaining}, the call that returns the remaining tokens; and the
 * plain {@code tryConsume} as well). With 2 threads both threads hit the same client. The floor is what any
 * exact limiter must do at least: one clock read and one compare-and-set of a counter.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@State(Scope.Benchmark)
public class InMemoryBenchmark {

  private static final String CLIENT = "client-1";

  private ApiBilling oneQuota;
  private ApiBilling threeQuotas;
  private Bucket bucket;
  private Bucket bucket3;
  private final AtomicLong counter = new AtomicLong();

  @Setup
  public void setUp() {
    oneQuota = ApiBilling.builder().build();
    oneQuota.updateClientQuotas(CLIENT, Limits.oneQuota());
    threeQuotas = ApiBilling.builder().build();
    threeQuotas.updateClientQuotas(CLIENT, Limits.threeQuotas());
    bucket = Bucket.builder().addLimit(Limits.bandwidth()).build();
    bucket3 = Bucket.builder().addLimit(Limits.bandwidth()).addLimit(Limits.bandwidth())
        .addLimit(Limits.bandwidth()).build();
  }

  @TearDown
  public void tearDown() {
    oneQuota.close();
    threeQuotas.close();
  }

  @Benchmark
  public BillingDecision apibilling1Quota() {
    return oneQuota.tryTrackClientUsage(CLIENT, 1);
  }

  @Benchmark
  public ConsumptionProbe bucket4j1Limit() {
    return bucket.tryConsumeAndReturnRemaining(1);
  }

  @Benchmark
  public boolean bucket4j1LimitBoolean() {
    return bucket.tryConsume(1);
  }

  @Benchmark
  public long floor1Thread() {
    return clockAndCas();
  }

  @Benchmark
  public BillingDecision apibilling3Quotas() {
    return threeQuotas.tryTrackClientUsage(CLIENT, 1);
  }

  @Benchmark
  public ConsumptionProbe bucket4j3Limits() {
    return bucket3.tryConsumeAndReturnRemaining(1);
  }

  @Benchmark
  @Threads(2)
  public BillingDecision apibilling1QuotaTwoThreads() {
    return oneQuota.tryTrackClientUsage(CLIENT, 1);
  }

  @Benchmark
  @Threads(2)
  public ConsumptionProbe bucket4j1LimitTwoThreads() {
    return bucket.tryConsumeAndReturnRemaining(1);
  }

  @Benchmark
  @Threads(2)
  public long floorTwoThreads() {
    return clockAndCas();
  }

  private long clockAndCas() {
    long now = System.currentTimeMillis();
    for (;;) {
      long used = counter.get();
      if (used + 1 > Limits.HUGE) {
        return -now;
      }
      if (counter.compareAndSet(used, used + 1)) {
        return now + used;
      }
    }
  }
}
