package dev.apibilling.spi;

import org.jspecify.annotations.Nullable;

/**
 * What a store answers to a {@link ChargeRequest}.
 *
 * @param granted whether the credits were (or, for a check, would be) deducted from every window
 * @param used per window of the request, in its order: the credits counted after the call (including
 *     this call's credits when granted); for a replay, the counts recorded with the first outcome
 * @param replayed whether this is the recorded outcome of an earlier call with the same idempotency key
 * @param reservationId the reservation holding the credits, for a granted reserve (the first call's id
 *     on a replay); otherwise null
 */
public record ChargeResult(boolean granted, long[] used, boolean replayed, @Nullable String reservationId) {

  /** A fresh (not replayed) outcome. */
  public static ChargeResult of(boolean granted, long[] used, @Nullable String reservationId) {
    return new ChargeResult(granted, used, false, reservationId);
  }
}
