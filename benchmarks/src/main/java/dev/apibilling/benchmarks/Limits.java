package dev.apibilling.benchmarks;

import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.Requirements;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import java.time.Duration;
import java.util.List;

/**
 * The limits every case uses, on both sides, so that every call is granted and both libraries run their
 * full check-and-deduct path: apibilling quotas of 2^53 - 1 credits; Bucket4j bandwidths of capacity
 * 10^15 refilled by 10^10 tokens a minute (Bucket4j refuses refill rates over one token a nanosecond), as
 * in shared/PERFORMANCE.md. Distributed Bucket4j proxies expire
 * {@code basedOnTimeForRefillingBucketUpToMax(1 min)}.
 */
final class Limits {

  /** Credits of each apibilling quota: the largest allowed, so nothing is ever denied. */
  static final long HUGE = Requirements.MAX_CREDITS;

  /** Bucket4j capacity. */
  static final long CAPACITY = 1_000_000_000_000_000L;

  /** Bucket4j tokens refilled a minute. */
  static final long REFILL_PER_MINUTE = 10_000_000_000L;

  private Limits() {}

  /** One quota: a minute. */
  static List<QuotaDefinition> oneQuota() {
    return List.of(QuotaDefinition.of(QuotaDuration.MINUTE, HUGE));
  }

  /** Three quotas: a minute, a day and a month. */
  static List<QuotaDefinition> threeQuotas() {
    return List.of(QuotaDefinition.of(QuotaDuration.MINUTE, HUGE), QuotaDefinition.of(QuotaDuration.DAY, HUGE),
        QuotaDefinition.of(QuotaDuration.MONTH, HUGE));
  }

  /** The quotas of the given count (1 or 3). */
  static List<QuotaDefinition> quotas(int count) {
    return count == 1 ? oneQuota() : threeQuotas();
  }

  /** One Bucket4j limit. */
  static BucketConfiguration oneLimit() {
    return BucketConfiguration.builder().addLimit(bandwidth()).build();
  }

  /** Three Bucket4j limits (the refill rate is the same on all three; it does not change the work). */
  static BucketConfiguration threeLimits() {
    return BucketConfiguration.builder().addLimit(bandwidth()).addLimit(bandwidth()).addLimit(bandwidth()).build();
  }

  /** The Bucket4j configuration of the given count of limits (1 or 3). */
  static BucketConfiguration limits(int count) {
    return count == 1 ? oneLimit() : threeLimits();
  }

  static Bandwidth bandwidth() {
    return Bandwidth.builder().capacity(CAPACITY).refillGreedy(REFILL_PER_MINUTE, Duration.ofMinutes(1)).build();
  }

  /** How distributed Bucket4j proxies expire their state. */
  static ExpirationAfterWriteStrategy expiry() {
    return ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1));
  }
}
