package dev.apibilling.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One atomic decision: check every window, then deduct from all of them or from none.
 *
 * @param clientId the client, already validated
 * @param windows the client's current windows, one per quota, in the order results are reported
 * @param credits credits asked for, {@code 1 <= credits <= 2^53 - 1}
 * @param mode check only, charge, or reserve
 * @param idempotencyKey when not null, a key scoped to the client: if a granted outcome is already
 *     recorded under it and has not expired, the store returns that outcome with {@code replayed = true}
 *     and changes nothing; otherwise a granted outcome is recorded under it. Denied outcomes are never
 *     recorded, so a denied call can be retried with the same key.
 * @param idempotencyExpiresAt when the recorded outcome is forgotten, epoch milliseconds
 * @param reservationId for {@link ChargeMode#RESERVE}, the id to hold the credits under (required, not
 *     empty); otherwise null
 * @param reservationExpiresAt when an unsettled reservation is given back, epoch milliseconds
 * @param epochDay the day (in the billing's history zone) whose daily total the credits count towards
 * @param metadata free-form labels of the charge (route, workflow id, origin); stores may record them
 * @param now the decision's instant, epoch milliseconds; stores use it instead of their own clock
 * @param event when not null, the usage event to record in the same atomic call if, and only if, the
 *     credits are counted: a granted {@link ChargeMode#CHARGE} that is not a replay (see
 *     {@link UsageEventLog}); null when events are off and for checks and reservations
 * @param operation when not null, the operation whose quotas are among {@code windows}: the credits
 *     counted also count towards the client's daily total of that operation ({@link UsageStore#history(
 *     String, String, long, long)}), and a reservation remembers it, so credits given back leave that
 *     total too; null for a charge that counts against client-wide quotas only
 */
public record ChargeRequest(
    String clientId,
    List<WindowSlot> windows,
    long credits,
    ChargeMode mode,
    @Nullable String idempotencyKey,
    long idempotencyExpiresAt,
    @Nullable String reservationId,
    long reservationExpiresAt,
    long epochDay,
    Map<String, String> metadata,
    long now,
    @Nullable EventRecord event,
    @Nullable String operation) {

  /**
   * @throws IllegalArgumentException if a {@link ChargeMode#RESERVE} request has no (or an empty)
   *     reservation id, or another mode has one
   * @throws NullPointerException if the mode is null
   */
  public ChargeRequest {
    Objects.requireNonNull(mode, "mode");
    if (mode == ChargeMode.RESERVE && (reservationId == null || reservationId.isEmpty())) {
      throw new IllegalArgumentException("a RESERVE request must carry a non-empty reservationId but had "
          + (reservationId == null ? "none" : "an empty one"));
    }
    if (mode != ChargeMode.RESERVE && reservationId != null) {
      throw new IllegalArgumentException("only a RESERVE request carries a reservationId, but a " + mode
          + " request had '" + reservationId + "'");
    }
  }

  /** A request of no operation. */
  public ChargeRequest(String clientId, List<WindowSlot> windows, long credits, ChargeMode mode,
      @Nullable String idempotencyKey, long idempotencyExpiresAt, @Nullable String reservationId,
      long reservationExpiresAt, long epochDay, Map<String, String> metadata, long now,
      @Nullable EventRecord event) {
    this(clientId, windows, credits, mode, idempotencyKey, idempotencyExpiresAt, reservationId,
        reservationExpiresAt, epochDay, metadata, now, event, null);
  }

  /** A request of no operation that records no usage event. */
  public ChargeRequest(String clientId, List<WindowSlot> windows, long credits, ChargeMode mode,
      @Nullable String idempotencyKey, long idempotencyExpiresAt, @Nullable String reservationId,
      long reservationExpiresAt, long epochDay, Map<String, String> metadata, long now) {
    this(clientId, windows, credits, mode, idempotencyKey, idempotencyExpiresAt, reservationId,
        reservationExpiresAt, epochDay, metadata, now, null, null);
  }

  /** Whether the credits fit into every window, given the used counts in the same order. */
  public boolean admits(long[] used) {
    for (int i = 0; i < used.length; i++) {
      if (!windows.get(i).admits(used[i], credits)) {
        return false;
      }
    }
    return true;
  }
}
