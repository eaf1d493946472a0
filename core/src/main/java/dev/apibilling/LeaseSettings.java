package dev.apibilling;

import java.time.Duration;

/**
 * How an {@link ApiBilling} leases budgets ({@link ApiBilling.Builder#leases}); immutable. Leases are off
 * unless this is given to the builder.
 *
 * <p><b>What a lease is.</b> For a client this instance sees at least {@link #hotDecisions} plain charges
 * in one {@link #span}, the billing reserves a block of credits on every quota of the client, all or nothing
 * (the same atomic store call as {@link ApiBilling#reserve}). It grants that client's plain charges (no
 * idempotency key, no metadata) locally, with weighted costs, but only from a <em>chunk</em> of the block
 * that is already drawn: a reservation the store keeps long after its windows end, so what was granted
 * from it stays counted whatever happens to this instance. The rest of the block is held for {@link #ttl}.
 * Once half of a chunk is spent the next one is drawn from the block ahead of need (three store calls
 * today: the block is given back, the chunk and the smaller block reserved again). The lease ends when the block is spent,
 * {@link #span} has passed since it was taken, a window of any quota ends, or the day of the usage history
 * changes; each chunk is then settled in one call (what was granted kept, the rest given back) and the
 * block given back.
 *
 * <p><b>Size.</b> A block is what this instance granted the client in its last span, and never more than
 * {@link #maxShare} of the remaining budget of any quota (as the store last reported it); a lease smaller
 * than {@link #minDecisions} of the client's average charges is not taken: near the limit every decision
 * goes to the store. A chunk is a quarter of the block, and at least {@link #minDecisions} average charges
 * (a block under two such chunks is one chunk).
 *
 * <p><b>Bounds.</b> Credits sit unused in an instance's lease for at most {@link #span} plus the settling
 * sweep (a quarter of the span) after it was taken; only during that time may another instance deny a
 * request for credits the lease holds, and a lease holds at most {@code maxShare} of what remained. If the
 * instance crashes or stalls, the store gives the undrawn block back at {@link #ttl}; the chunk it was
 * granting from and the one drawn ahead stay counted, so a crash never gives back a granted credit, and
 * their ungranted rest (at most two chunks, plus local reservations still open) is stranded: counted as used
 * until their windows end, and in the day's usage history.
 *
 * @param span how long one lease grants locally, and the time over which demand is measured
 * @param ttl how long the store holds a lease's undrawn block; a crashed instance's block returns then;
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
