package dev.apibilling;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The record of one billed charge, written by the store in the same atomic call that counted its credits,
 * so it exists if and only if they counted: a granted charge, or a reservation settled with credits kept
 * (then {@code credits} is the actual cost). A replayed retry, a denied charge and a released
 * reservation make none.
 *
 * <p>Exported as a CloudEvents 1.0 JSON object ({@link #toJson()}): {@code id}, {@code source},
 * {@code type} = {@value #TYPE}, {@code subject} = the client, {@code time}, {@code datacontenttype}
 * {@code application/json} and {@code data} = credits, windows, the request details known and metadata.
 *
 * @param id the idempotency key of the charge when it had one (a deduplicating receiver then sees a
 *     retried request once), else a unique time-ordered id (a UUID version 7)
 * @param clientId the client charged
 * @param credits the credits charged, {@code > 0}
 * @param time when the charge was decided (for a reservation: when it was made)
 * @param windows the quota windows the credits counted in
 * @param details the operation, method, route and status where the adapter knew them
 * @param metadata the charge's metadata
 * @param source the instance that recorded the event (CloudEvents {@code source})
 */
public record UsageEvent(
    String id,
    String clientId,
    long credits,
    Instant time,
    List<Window> windows,
    EventDetails details,
    Map<String, String> metadata,
    String source) {

  /** The CloudEvents {@code type} of usage events. */
  public static final String TYPE = "dev.apibilling.usage";

  public UsageEvent {
    windows = List.copyOf(windows);
    metadata = Map.copyOf(metadata);
  }

  /**
   * One quota window the credits counted in.
   *
   * @param policy the quota's policy name
   * @param start the window's inclusive start
   * @param end the window's exclusive end
   */
  public record Window(String policy, Instant start, Instant end) {}

  /** This event with other credits and details (a reservation's event when it is settled). */
  UsageEvent settled(long actualCredits, EventDetails settledDetails) {
    return new UsageEvent(id, clientId, actualCredits, time, windows, settledDetails, metadata, source);
  }

  /** The event as one CloudEvents 1.0 JSON object (structured mode), metadata keys sorted. */
  public String toJson() {
    StringBuilder b = new StringBuilder(256 + 64 * metadata.size());
    b.append("{\"specversion\":\"1.0\",\"id\":");
    EventJson.quote(b, id).append(",\"source\":");
    EventJson.quote(b, source).append(",\"type\":\"").append(TYPE).append("\",\"subject\":");
    EventJson.quote(b, clientId).append(",\"time\":\"").append(time)
        .append("\",\"datacontenttype\":\"application/json\",\"data\":{\"credits\":").append(credits)
        .append(",\"windows\":[");
    for (int i = 0; i < windows.size(); i++) {
      Window w = windows.get(i);
      b.append(i == 0 ? "{\"policy\":" : ",{\"policy\":");
      EventJson.quote(b, w.policy()).append(",\"start\":\"").append(w.start())
          .append("\",\"end\":\"").append(w.end()).append("\"}");
    }
    b.append(']');
    field(b, "operation", details.operation());
    field(b, "method", details.method());
    field(b, "route", details.route());
    if (details.status() != null) {
      b.append(",\"status\":").append(details.status().intValue());
    }
    b.append(",\"metadata\":{");
    boolean first = true;
    for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      EventJson.quote(b, e.getKey()).append(':');
      EventJson.quote(b, e.getValue());
    }
    return b.append("}}}").toString();
  }

  /**
   * Reads an event written by {@link #toJson()}.
   *
   * @throws IllegalArgumentException if the text is not such an event
   */
  public static UsageEvent fromJson(String json) {
    if (!(EventJson.parse(json) instanceof Map<?, ?> event)) {
      throw new IllegalArgumentException("usage event JSON must be an object");
    }
    return of(event);
  }

  private static UsageEvent of(Map<?, ?> event) {
    try {
      Map<?, ?> data = (Map<?, ?>) event.get("data");
      List<Window> windows = new ArrayList<>();
      for (Object o : (List<?>) data.get("windows")) {
        Map<?, ?> w = (Map<?, ?>) o;
        windows.add(new Window((String) w.get("policy"), Instant.parse((String) w.get("start")),
            Instant.parse((String) w.get("end"))));
      }
      Long status = (Long) data.get("status");
      EventDetails details = new EventDetails((String) data.get("operation"), (String) data.get("method"),
          (String) data.get("route"), status == null ? null : status.intValue());
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) data.get("metadata")).entrySet()) {
        metadata.put((String) e.getKey(), (String) e.getValue());
      }
      return new UsageEvent((String) event.get("id"), (String) event.get("subject"),
          (Long) data.get("credits"), Instant.parse((String) event.get("time")), windows, details, metadata,
          (String) event.get("source"));
    } catch (ClassCastException | NullPointerException | DateTimeParseException e) {
      throw new IllegalArgumentException("usage event JSON lacks a field or has one of the wrong type: " + e, e);
    }
  }

  /**
   * Reads an event as a store kept it ({@link dev.apibilling.spi.EventRecord#payload()}): the compact form,
   * or the CloudEvents JSON stores kept before it.
   *
   * @throws IllegalArgumentException if the text is neither
   */
  public static UsageEvent fromStored(String payload) {
    return EventCodec.decode(payload);
  }

  /**
   * Reads a batch of events: a JSON array of {@link #toJson()} objects, as
   * {@link dev.apibilling.events.HttpEventSink} posts it.
   *
   * @throws IllegalArgumentException if the text is not such a batch
   */
  public static List<UsageEvent> fromJsonBatch(String json) {
    if (!(EventJson.parse(json) instanceof List<?> items)) {
      throw new IllegalArgumentException("usage event batch JSON must be an array");
    }
    List<UsageEvent> events = new ArrayList<>(items.size());
    for (Object item : items) {
      if (!(item instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException("usage event batch JSON must hold objects");
      }
      events.add(of(m));
    }
    return events;
  }

  private static void field(StringBuilder b, String name, @Nullable String value) {
    if (value != null) {
      b.append(",\"").append(name).append("\":");
      EventJson.quote(b, value);
    }
  }
}
