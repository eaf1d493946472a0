package dev.apibilling;

/**
 * Counts of an {@link ApiBilling}'s leases since it was built ({@link ApiBilling#leaseStats}).
 *
 * @param grants chunks taken: the first of each lease and each one drawn from its block
 * @param returns chunks settled (each one store call)
 * @param returnedCredits unused credits given back: the rest of settled chunks and blocks given back
 * @param localDecisions plain charges and checks decided from a lease, without a store call
 * @param storeDecisions store calls: charges and checks decided by the store, and the calls of leases
 */
public record LeaseStats(long grants, long returns, long returnedCredits, long localDecisions, long storeDecisions) {

  /** The share of decisions made from a lease, {@code 0} before any decision. */
  public double localHitRatio() {
    long all = localDecisions + storeDecisions;
    return all == 0 ? 0 : (double) localDecisions / all;
  }
}
