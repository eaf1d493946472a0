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
public record StoredEvent(String position, String clientId, String id, long time, String payload) {

  /**
   * The event at {@code position} whose {@link EventRecord#payload()} is {@code payload}: id, client and
   * time read from its first three fields.
   *
   * @throws UsageStoreException if the payload is not an {@link EventRecord} payload
   */
  public static StoredEvent fromPayload(String position, String payload) {
    try {
      if (!payload.startsWith("E1")) {
        throw new IllegalArgumentException("no E1 mark");
      }
      int colon = payload.indexOf(':', 2);
      int idEnd = colon + 1 + Integer.parseInt(payload, 2, colon, 10);
      int colon2 = payload.indexOf(':', idEnd);
      int clientEnd = colon2 + 1 + Integer.parseInt(payload, idEnd, colon2, 10);
      int colon3 = payload.indexOf(':', clientEnd);
      int timeEnd = colon3 + 1 + Integer.parseInt(payload, clientEnd, colon3, 10);
      return new StoredEvent(position, payload.substring(colon2 + 1, clientEnd), payload.substring(colon + 1, idEnd),
          Long.parseLong(payload, colon3 + 1, timeEnd, 10), payload);
    } catch (RuntimeException e) {
      String shown = payload.length() > 80 ? payload.substring(0, 80) + "..." : payload;
      throw new UsageStoreException("not a usage event payload at " + position + ": " + shown, e);
    }
  }
}
