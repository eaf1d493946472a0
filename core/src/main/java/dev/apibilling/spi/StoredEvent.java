package dev.apibilling.spi;

/**
 * A usage event as a store recorded it.
 *
 * @param position the store's own mark of the event, in record order within the store (a sequence
 *     number, a stream id); opaque to callers, who hand it back to {@link UsageEventLog} methods
 * @param clientId the client charged
 * @param id the event's id
 * @param time when the charge was decided, epoch milliseconds
 * @param payload the event as the {@link EventRecord} carried it
 */
public record StoredEvent(String position, String clientId, String id, long time, String payload) {}
