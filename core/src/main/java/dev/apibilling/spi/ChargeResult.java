package dev.apibilling.spi;

import org.jspecify.annotations.Nullable;

/**
 * What a store answers to a {@link ChargeRequest}.
 *
 * @param granted whether the credits were (or, for a check, would be) deducted from every window
 * @param used per window of the request, in its order: the credits counted after the call (including
 *     this call's credits when granted); for a replay, the credits counted now in the request's windows
 *     (the plan may have changed since the first call, so a replay reports the windows it was asked about)
 * @param replayed whether this is the recorded outcome of an earlier call with the same idempotency key
 * @param reservationId the reservation holding the credits, for a granted reserve (the first call's id
 *     on a replay); otherwise null
 * @param heldCredits for a replayed reservation, the credits the store still holds under it ({@code 0}
 *     once it is settled); otherwise {@code 0}
 * @param heldUntil for a replayed reservation, when the store releases it, epoch milliseconds (the call's
 *     {@code now} once it is settled); otherwise {@code 0}
 */
public record ChargeResult(
    boolean granted, long[] used, boolean replayed, @Nullable String reservationId, long heldCredits,
    long heldUntil) {

  /** An outcome that carries no replayed reservation. */
  public ChargeResult(boolean granted, long[] used, boolean replayed, @Nullable String reservationId) {
    this(granted, used, replayed, reservationId, 0, 0);
  }

  /** A fresh (not replayed) outcome. */
  public static ChargeResult of(boolean granted, long[] used, @Nullable String reservationId) {
    return new ChargeResult(granted, used, false, reservationId);
  }

  /**
   * A replayed granted outcome: the current counts of the request's windows and, for a reservation, what
   * the store still holds under it.
   */
  public static ChargeResult replay(long[] used, @Nullable String reservationId, long heldCredits,
      long heldUntil) {
    return new ChargeResult(true, used, true, reservationId, heldCredits, heldUntil);
  }
}
