package dev.apibilling;

/**
 * What store failures have cost an {@link ApiBilling} since it was built: settlements retried in the
 * background, what could not be settled, and requests adapters served unbilled.
 *
 * @param pending settlements waiting for the store now (commits and releases that failed, and releases
 *     of reservations whose reserve call failed)
 * @param settled retried settlements the store has answered
 * @param unsettled retried settlements whose reservation expired before the store answered: a commit's
 *     credits were lost (the store released them), a release's hold lasted until the expiry
 * @param dropped settlements not retried because {@link ApiBilling.Builder#maxPendingSettlements} were
 *     already waiting (their reservations expire by themselves)
 * @param unsettledCredits credits of unsettled and dropped commits: charged by nobody
 * @param servedUnbilled requests an adapter served without billing because the store failed
 *     (fail-open), reported with {@link ApiBilling#servedUnbilled}
 */
public record StoreFaults(
    long pending, long settled, long unsettled, long dropped, long unsettledCredits, long servedUnbilled) {}
