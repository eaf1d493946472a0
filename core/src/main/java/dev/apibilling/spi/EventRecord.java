package dev.apibilling.spi;

/**
 * A usage event a {@link ChargeRequest} or {@link SettleRequest} carries: the store writes it in the same
 * atomic call that counts the credits, and only if it counts them (a granted, not replayed charge; a
 * settlement that keeps credits). Stores keep the payload as it is and never parse more of it than
 * {@link StoredEvent#fromPayload} does.
 *
 * <p>The payload is compact text, not JSON, so that a store writes few bytes on the hot path: the
 * CloudEvents JSON is rendered from it at export and query time ({@code dev.apibilling.UsageEvent#fromStored}),
 * the same bytes for the same payload every time. It is {@code E1} followed by fields, each either
 * {@code -} (none) or its length in UTF-16 units, {@code :} and its text; the first three are the event id,
 * the client id and the time in epoch milliseconds (decimal).
 *
 * @param id the event's id (the idempotency key, or a unique time-ordered id); not unique across clients
 * @param time when the charge was decided, epoch milliseconds
 * @param payload the whole event in the compact form above
 */
public record EventRecord(String id, long time, String payload) {}
