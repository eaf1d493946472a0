package dev.apibilling;

import java.time.Duration;

/**
 * How an {@link ApiBilling} leases budgets ({@link ApiBilling.Builder#leases}); immutable. Leases are off
 * unless this is given to the builder.
 *
 * <p><b>What a lease is.</b> For a client this instance sees at least {@link #hotDecisions} plain charges
 * in one {@link #span}, the billing makes one reservation (the same atomic store call as
 * {@link ApiBilling#reserve}) of a block of credits on every quota of the client, all or nothing, held in
 * the store for {@link #ttl}. It then grants that client's plain charges (no idempotency key, no
 * metadata) locally from the block, with weighted costs, until the block is spent, {@link #span} has
 * passed since the lease was taken, a window of any quota ends, or the day of the usage history changes.
 * Then it settles the reservation in one call: the credits granted are kept, the rest given back.
 *
 * <p><b>Size.</b> A block is what this instance granted the client in its last span, and never more than
 * {@link #maxShare} of the remaining budget of any quota (as the store last reported it); a lease smaller
 * than {@link #minDecisions} of the client's average charges is not taken: near the limit every decision
 * goes to the store.
 *
 * <p><b>Bounds.</b> Credits sit unused in an instance's lease for at most {@link #span} plus the settling
 * sweep (a quarter of the span) after it was taken, or, if that instance stops or stalls, until the store
 * releases the reservation at {@link #ttl}. Only during that time may another instance deny a request
 * for credits the lease holds, and a lease holds at most {@code maxShare} of what remained.
 *
 * @param span how long one lease grants locally, and the time over which demand is measured
 * @param ttl how long the store holds a lease's reservation; a crashed instance's block returns then;
 *     at least twice the span
 * @param hotDecisions plain charges of a client in one span on this instance before it is leased
 * @param maxShare the largest fraction of any quota's remaining credits one lease takes
 * @param minDecisions the smallest lease, in average charges of the client
 */
public record LeaseSettings(Duration span, Duration ttl, long hotDecisions, double maxShare, long minDecisions) {

  /**
   * @throws IllegalArgumentException if a duration or count is not positive, the share is not in
   *     {@code (0, 1]}, or the TTL is shorter than twice the span
   */
  public LeaseSettings {
    Requirements.positive("leases.span", span);
    Requirements.positive("leases.ttl", ttl);
    Requirements.count("leases.hotDecisions", hotDecisions);
    Requirements.fraction("leases.maxShare", maxShare);
    Requirements.count("leases.minDecisions", minDecisions);
    Requirements.leaseTtl(span, ttl);
  }

  /** A 1 second span, a 30 second TTL, hot from 32 charges a span, at most 1/4 of what remains, at least 8 charges. */
  public static LeaseSettings defaults() {
    return new LeaseSettings(Duration.ofSeconds(1), Duration.ofSeconds(30), 32, 0.25, 8);
  }

  /** These settings with another span. */
  public LeaseSettings withSpan(Duration span) {
    return new LeaseSettings(span, ttl, hotDecisions, maxShare, minDecisions);
  }

  /** These settings with another TTL. */
  public LeaseSettings withTtl(Duration ttl) {
    return new LeaseSettings(span, ttl, hotDecisions, maxShare, minDecisions);
  }

  /** These settings with another hotness threshold. */
  public LeaseSettings withHotDecisions(long hotDecisions) {
    return new LeaseSettings(span, ttl, hotDecisions, maxShare, minDecisions);
  }

  /** These settings with another largest share of the remaining budget. */
  public LeaseSettings withMaxShare(double maxShare) {
    return new LeaseSettings(span, ttl, hotDecisions, maxShare, minDecisions);
  }

  /** These settings with another smallest lease. */
  public LeaseSettings withMinDecisions(long minDecisions) {
    return new LeaseSettings(span, ttl, hotDecisions, maxShare, minDecisions);
  }
}
