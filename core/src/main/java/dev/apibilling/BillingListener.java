package dev.apibilling;

/**
 * Hears what the billing decides, for logs, metrics and alerts. Called on the caller's thread after the
 * decision; keep it fast and do not throw (exceptions are caught and dropped). Every method does nothing
 * by default.
 */
public interface BillingListener {

  /** A charge, reservation or check was decided. */
  default void onDecision(BillingDecision decision) {}

  /** A request named a client with no quotas. */
  default void onUnknownClient(String clientId) {}

  /**
   * A granted decision made a quota's usage reach {@code fraction} of its limit (one of the billing's
   * {@link ApiBilling.Builder#thresholds thresholds}), having been below it before.
   */
  default void onThresholdCrossed(String clientId, QuotaState quota, double fraction) {}

  /**
   * A quota's forecast ({@link QuotaState#forecast()}, present here) reached its limit before the window's
   * reset ({@code over}) for the first time in the window, or came back within the limit for the first
   * time after that: at most one of each per quota and window, judged on the counts this billing sees
   * (decisions and status reads), so each instance sharing a store reports for itself.
   */
  default void onProjectionCrossed(String clientId, QuotaState quota, boolean over) {}

  /**
   * A store call finished. Called only when {@link #timesStoreCalls()} is true.
   *
   * @param operation {@code charge}, {@code settle}, {@code usage}, {@code history}, {@code delete} or
   *     {@code events} (a query of usage events)
   * @param nanos how long it took
   * @param failed whether it threw
   */
  default void onStoreCall(String operation, long nanos, boolean failed) {}

  /**
   * A settlement the store did not answer (a failed commit or release, or the release of a reservation
   * whose reserve call failed) was queued for retries, or left the queue.
   *
   * @param operation {@code commit}, {@code release} or {@code compensate} (the release after a failed
   *     reserve)
   * @param outcome {@code queued}; then {@code settled} (the store answered), {@code unsettled} (the
   *     reservation expired first) or {@code dropped} (too many were waiting; never queued)
   * @param credits the credits a commit keeps ({@code 0} for a release)
   */
  default void onSettlementRetry(String clientId, String operation, String outcome, long credits) {}

  /** An adapter served a request of {@code credits} without billing it, because the store failed. */
  default void onServedUnbilled(String clientId, long credits) {}

  /** Whether this listener wants {@link #onStoreCall}; timing costs two clock reads per call. */
  default boolean timesStoreCalls() {
    return false;
  }
}
