package dev.apibilling.spi;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The usage events a store recorded with its charges, for an exporter to drain and for audits to query.
 * A store that records events returns one from {@link UsageStore#eventLog()}.
 *
 * <p>Export is claim, deliver, mark: a claim hands a consumer the oldest undelivered events no other
 * consumer holds a live claim on, so several exporters on one store deliver each event once in normal
 * operation; a claim not marked delivered within its lease (the exporter died) is claimed again, so no
 * event is lost (at-least-once). Thread safe; each method is one atomic call.
 *
 * @throws UsageStoreException from any method when the backend cannot be reached or fails
 */
public interface UsageEventLog {

  /**
   * Claims up to {@code max} undelivered events for {@code consumer} until {@code now + leaseMillis}, oldest
   * first: events never claimed, and events whose claim lapsed.
   *
   * @return the claimed events in record order; empty when there are none
   */
  List<StoredEvent> claim(String consumer, int max, long now, long leaseMillis);

  /** Marks claimed events delivered at {@code now}; they are not claimed again. */
  void markDelivered(String consumer, List<StoredEvent> events, long now);

  /**
   * Events of a client decided at {@code from <= time < to} (epoch milliseconds), in record order,
   * delivered or not, up to {@code limit}, after the event at position {@code after} when not null.
   * Concurrent charges of one client may commit their events out of record order; a reader then sees an
   * event appear before one it already read.
   */
  List<StoredEvent> events(String clientId, long from, long to, @Nullable String after, int limit);

  /** How many recorded events are not delivered yet (the exporter's lag). */
  long undelivered();

  /**
   * Deletes events delivered at or before {@code deliveredBefore} (epoch milliseconds).
   *
   * @return how many were deleted (an estimate where the backend trims lazily)
   */
  long purgeDelivered(long deliveredBefore);
}
