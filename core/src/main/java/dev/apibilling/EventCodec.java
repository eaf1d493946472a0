package dev.apibilling;

import dev.apibilling.spi.EventRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The compact form stores keep a {@link UsageEvent} in ({@link EventRecord#payload()}): {@code E1}, then
 * fields, each {@code -} for none or its length, {@code :} and its text. Fields in order: id, client, time,
 * credits, source, operation, method, route, status, the number of windows, each window's policy, start and
 * end, the number of metadata entries, each entry's key and value. Numbers are decimal. About half the
 * CloudEvents JSON's size, and cheaper to write and to read.
 */
final class EventCodec {

  private static final String MARK = "E1";

  private EventCodec() {}

  static String encode(UsageEvent e) {
    StringBuilder b = new StringBuilder(capacity(e));
    b.append(MARK);
    text(b, e.id());
    text(b, e.clientId());
    number(b, e.time().toEpochMilli());
    number(b, e.credits());
    text(b, e.source());
    EventDetails d = e.details();
    text(b, d.operation());
    text(b, d.method());
    text(b, d.route());
    if (d.status() == null) {
      b.append('-');
    } else {
      number(b, d.status());
    }
    number(b, e.windows().size());
    for (UsageEvent.Window w : e.windows()) {
      text(b, w.policy());
      number(b, w.start().toEpochMilli());
      number(b, w.end().toEpochMilli());
    }
    number(b, e.metadata().size());
    for (Map.Entry<String, String> m : e.metadata().entrySet()) {
      text(b, m.getKey());
      text(b, m.getValue());
    }
    return b.toString();
  }

  /**
   * Reads {@link #encode}'s text, or the CloudEvents JSON that stores kept before (starts with '{').
   *
   * @throws IllegalArgumentException if it is neither
   */
  static UsageEvent decode(String payload) {
    if (payload.startsWith("{")) {
      return UsageEvent.fromJson(payload);
    }
    if (!payload.startsWith(MARK)) {
      throw new IllegalArgumentException("a stored usage event starts with " + MARK + " or '{' but was " + head(payload));
    }
    Reader r = new Reader(payload);
    try {
      String id = r.required();
      String client = r.required();
      long time = r.number();
      long credits = r.number();
      String source = r.required();
      String operation = r.text();
      String method = r.text();
      String route = r.text();
      String status = r.text();
      int windowCount = (int) r.number();
      List<UsageEvent.Window> windows = new ArrayList<>(windowCount);
      for (int i = 0; i < windowCount; i++) {
        windows.add(new UsageEvent.Window(r.required(), Instant.ofEpochMilli(r.number()),
            Instant.ofEpochMilli(r.number())));
      }
      int entries = (int) r.number();
      Map<String, String> metadata = new HashMap<>(entries * 2);
      for (int i = 0; i < entries; i++) {
        metadata.put(r.required(), r.required());
      }
      if (r.at != payload.length()) {
        throw new IllegalArgumentException("text after the last field");
      }
      return new UsageEvent(id, client, credits, Instant.ofEpochMilli(time), windows,
          new EventDetails(operation, method, route, status == null ? null : Integer.valueOf(status)), metadata,
          source);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a stored usage event (" + e.getMessage() + "): " + head(payload), e);
    }
  }

  private static void text(StringBuilder b, @Nullable String s) {
    if (s == null) {
      b.append('-');
    } else {
      b.append(s.length()).append(':').append(s);
    }
  }

  private static void number(StringBuilder b, long n) {
    b.append(digits(n)).append(':').append(n);
  }

  /** The characters of {@code n} in decimal, the sign included. */
  static int digits(long n) {
    if (n < 0) {
      return n == Long.MIN_VALUE ? 20 : 1 + digits(-n);
    }
    int d = 1;
    for (long bound = 10; d < 19 && n >= bound; bound *= 10) {
      d++;
    }
    return d;
  }

  /** Room for the whole record, so that the builder never grows: the texts' lengths and 22 per number. */
  private static int capacity(UsageEvent e) {
    EventDetails d = e.details();
    int n = 2 + 6 * 22 + length(e.id()) + length(e.clientId()) + length(e.source()) + length(d.operation())
        + length(d.method()) + length(d.route());
    for (UsageEvent.Window w : e.windows()) {
      n += length(w.policy()) + 2 * 22;
    }
    for (Map.Entry<String, String> m : e.metadata().entrySet()) {
      n += length(m.getKey()) + length(m.getValue());
    }
    return n;
  }

  /** What {@link #text} writes for {@code s}, at most. */
  private static int length(@Nullable String s) {
    return s == null ? 1 : s.length() + 12;
  }

  private static String head(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  private static final class Reader {
    private final String s;
    private int at = MARK.length();

    Reader(String s) {
      this.s = s;
    }

    @Nullable String text() {
      if (s.charAt(at) == '-') {
        at++;
        return null;
      }
      int colon = s.indexOf(':', at);
      int end = colon + 1 + Integer.parseInt(s, at, colon, 10);
      String t = s.substring(colon + 1, end);
      at = end;
      return t;
    }

    String required() {
      String t = text();
      if (t == null) {
        throw new IllegalArgumentException("a required field is missing at " + at);
      }
      return t;
    }

    long number() {
      return Long.parseLong(required());
    }
  }
}
