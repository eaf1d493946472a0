package dev.apibilling;

import dev.apibilling.spi.EventRecord;
import dev.apibilling.spi.WindowSlot;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** How {@link ApiBilling} builds usage events: ids, windows, the default source, the stored record. */
final class Events {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Events() {}

  /**
   * A unique, time-ordered id for an event without an idempotency key: a UUID version 7 (RFC 9562) whose
   * 48-bit time is {@code epochMillis}, so ids of later milliseconds sort after.
   */
  static String nextId(long epochMillis) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long high = (epochMillis << 16) | 0x7000L | (r.nextLong() & 0x0fffL);
    long low = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
    char[] c = new char[36];
    int at = 0;
    for (int i = 0; i < 32; i++) {
      if (i == 8 || i == 12 || i == 16 || i == 20) {
        c[at++] = '-';
      }
      long word = i < 16 ? high : low;
      c[at++] = HEX[(int) (word >>> (60 - 4 * (i % 16))) & 0xf];
    }
    return new String(c);
  }

  static EventRecord record(UsageEvent event) {
    return new EventRecord(event.id(), event.time().toEpochMilli(), EventCodec.encode(event));
  }

  static List<UsageEvent.Window> windows(List<WindowSlot> slots) {
    if (slots.size() == 1) { // the common case, in the list UsageEvent keeps as it is
      WindowSlot s = slots.get(0);
      return List.of(new UsageEvent.Window(s.policy(), Instant.ofEpochMilli(s.start()), Instant.ofEpochMilli(s.end())));
    }
    List<UsageEvent.Window> windows = new ArrayList<>(slots.size());
    for (WindowSlot s : slots) {
      windows.add(new UsageEvent.Window(s.policy(), Instant.ofEpochMilli(s.start()), Instant.ofEpochMilli(s.end())));
    }
    return windows;
  }

  /** {@code apibilling://<host>/<pid>}, or {@code apibilling} if that is not a valid source. */
  static String defaultSource() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException | RuntimeException e) {
      host = "localhost";
    }
    String source = "apibilling://" + host.replaceAll("[^A-Za-z0-9.-]", "-") + "/" + ProcessHandle.current().pid();
    return source.length() > Requirements.MAX_METADATA_LENGTH ? "apibilling" : source;
  }
}
