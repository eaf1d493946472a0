package dev.apibilling.benchmarks;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.Requirements;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One decision of one credit on one client, in memory: apibilling's default store against a Bucket4j
 * local bucket. Both are set so every call is granted (Bucket4j: capacity 1e15, refill 1e10 a minute, as in
 * shared/PERFORMANCE.md; apibilling: limit 2^53-1), so both do the full check-and-deduct path.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class InMemoryBenchmark {

  private static final long HUGE = Requirements.MAX_CREDITS;

  private ApiBilling oneQuota;
  private ApiBilling threeQuotas;
  private Bucket bucket;
  private Bucket bucket3;

  @Setup
  public void setUp() {
    oneQuota = ApiBilling.builder().build();
    oneQuota.updateClientQuotas("c", List.of(QuotaDefinition.of(QuotaDuration.MINUTE, HUGE)));
    threeQuotas = ApiBilling.builder().build();
    threeQuotas.updateClientQuotas("c", List.of(QuotaDefinition.of(QuotaDuration.MINUTE, HUGE),
        QuotaDefinition.of(QuotaDuration.DAY, HUGE), QuotaDefinition.of(QuotaDuration.MONTH, HUGE)));
    bucket = Bucket.builder().addLimit(limit()).build();
    bucket3 = Bucket.builder().addLimit(limit()).addLimit(limit()).addLimit(limit()).build();
  }

  private static Bandwidth limit() {
    return Bandwidth.builder().capacity(1_000_000_000_000_000L)
        .refillGreedy(10_000_000_000L, Duration.ofMinutes(1)).build();
  }

  @Benchmark
  public BillingDecision apibilling1Quota() {
    return oneQuota.tryTrackClientUsage("c", 1);
  }

  @Benchmark
  public BillingDecision apibilling3Quotas() {
    return threeQuotas.tryTrackClientUsage("c", 1);
  }

  @Benchmark
  public ConsumptionProbe bucket4j1Limit() {
    return bucket.tryConsumeAndReturnRemaining(1);
  }

  @Benchmark
  public ConsumptionProbe bucket4j3Limits() {
    return bucket3.tryConsumeAndReturnRemaining(1);
  }

  @Benchmark
  @Threads(2)
  public BillingDecision apibilling1QuotaTwoThreads() {
    return oneQuota.tryTrackClientUsage("c", 1);
  }

  @Benchmark
  @Threads(2)
  public ConsumptionProbe bucket4j1LimitTwoThreads() {
    return bucket.tryConsumeAndReturnRemaining(1);
  }
}
