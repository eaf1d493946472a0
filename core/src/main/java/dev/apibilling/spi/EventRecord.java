package dev.apibilling.spi;

/**
 * A usage event a {@link ChargeRequest} or {@link SettleRequest} carries: the store writes it in the same
 * atomic call that counts the credits, and only if it counts them (a granted, not replayed charge; a
 * settlement that keeps credits). Stores keep the payload as it is and never parse it.
 *
 * @param id the event's id (the idempotency key, or a unique time-ordered id); not unique across clients
 * @param time when the charge was decided, epoch milliseconds
 * @param payload the event as a CloudEvents 1.0 JSON object, {@code dev.apibilling.UsageEvent#toJson()}
 */
public record EventRecord(String id, long time, String payload) {}
