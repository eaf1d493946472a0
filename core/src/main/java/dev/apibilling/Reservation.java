package dev.apibilling;

import java.time.Instant;

/**
 * Credits held for a request in progress: settle them with {@link ApiBilling#commit} or
 * {@link ApiBilling#release}. A reservation not settled by {@code expiresAt} is released by the store.
 *
 * @param id unique id of the reservation
 * @param clientId the client it was made for
 * @param credits credits held
 * @param expiresAt when it is released if still unsettled
 */
public record Reservation(String id, String clientId, long credits, Instant expiresAt) {}
