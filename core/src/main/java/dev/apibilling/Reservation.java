package dev.apibilling;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Credits held for a request in progress: settle them with {@link ApiBilling#commit} or
 * {@link ApiBilling#release}. A reservation not settled by {@code expiresAt} is released by the store.
 *
 * @param id unique id of the reservation
 * @param clientId the client it was made for
 * @param credits credits held
 * @param expiresAt when it is released if still unsettled
 * @param event the usage event a commit records (with the actual credits), or null when the billing
 *     records no usage events
 */
public record Reservation(String id, String clientId, long credits, Instant expiresAt, @Nullable UsageEvent event) {

  /** A reservation that records no usage event. */
  public Reservation(String id, String clientId, long credits, Instant expiresAt) {
    this(id, clientId, credits, expiresAt, null);
  }
}
