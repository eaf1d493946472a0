package dev.apibilling.spi;

import org.jspecify.annotations.Nullable;

/**
 * Settles a reservation: keep {@code actualCredits} of it and give the rest back to the windows and to
 * the daily total it was counted in. {@code actualCredits == 0} releases it all, and then also forgets the
 * idempotency outcome recorded with the reservation (a request whose credits were all given back was never
 * charged, so its retry under the same key is decided and charged anew). A reservation that expires
 * unsettled is released the same way.
 *
 * @param clientId the client the reservation belongs to
 * @param reservationId the id the reservation was made with
 * @param actualCredits credits to keep, {@code 0 <= actualCredits <= reserved}
 * @param now the instant of the call, epoch milliseconds
 * @param event when not null, the usage event to record in the same atomic call if, and only if, the
 *     reservation is settled with {@code actualCredits > 0}
 */
public record SettleRequest(
    String clientId, String reservationId, long actualCredits, long now, @Nullable EventRecord event) {

  /** A settlement that records no usage event. */
  public SettleRequest(String clientId, String reservationId, long actualCredits, long now) {
    this(clientId, reservationId, actualCredits, now, null);
  }
}
