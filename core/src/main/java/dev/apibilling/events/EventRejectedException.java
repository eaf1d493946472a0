package dev.apibilling.events;

/**
 * A receiver refused a batch of usage events for good (for HTTP: a 4xx other than 408 and 429), so
 * delivering it again as it is will not help. The exporter tries such a batch
 * {@link UsageEventExporter.Builder#maxRejections a few times}, then dead-letters it.
 */
public class EventRejectedException extends Exception {

  private static final long serialVersionUID = 1L;

  public EventRejectedException(String message) {
    super(message);
  }
}
