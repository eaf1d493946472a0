package dev.apibilling.jdbc;

import dev.apibilling.spi.WindowSlot;
import java.util.ArrayList;
import java.util.List;

/**
 * Text forms of what the MariaDB, MySQL and H2 tables keep in one column, and what MariaDB's procedures
 * take as a parameter: windows as {@code <length>:<policy>:<start>:<end>:<limit>;} each (the length in
 * code points, so any policy name survives), and the used counts of an idempotent outcome as
 * {@code 1,2,3}.
 */
final class Slots {

  private Slots() {}

  /** A window of a reservation: its policy and start. */
  record Key(String policy, long start) {}

  static String encode(List<WindowSlot> slots) {
    StringBuilder b = new StringBuilder(slots.size() * 48);
    for (WindowSlot s : slots) {
      String p = s.policy();
      b.append(p.codePointCount(0, p.length())).append(':').append(p).append(':').append(s.start())
          .append(':').append(s.end()).append(':').append(s.limit()).append(';');
    }
    return b.toString();
  }

  static List<Key> decode(String text) {
    List<Key> keys = new ArrayList<>(2);
    int i = 0;
    while (i < text.length()) {
      int colon = text.indexOf(':', i);
      int codePoints = Integer.parseInt(text.substring(i, colon));
      int policyEnd = text.offsetByCodePoints(colon + 1, codePoints);
      String policy = text.substring(colon + 1, policyEnd);
      int startAt = policyEnd + 1;
      int startEnd = startAt;
      while (startEnd < text.length() && text.charAt(startEnd) != ':' && text.charAt(startEnd) != ';') {
        startEnd++;
      }
      keys.add(new Key(policy, Long.parseLong(text.substring(startAt, startEnd))));
      i = text.indexOf(';', startEnd) + 1;
    }
    return keys;
  }

  static String encodeUsed(long[] used) {
    StringBuilder b = new StringBuilder(used.length * 8);
    for (int i = 0; i < used.length; i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(used[i]);
    }
    return b.toString();
  }

  static long[] decodeUsed(String text) {
    if (text.isEmpty()) {
      return new long[0];
    }
    String[] parts = text.split(",", -1);
    long[] used = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      used[i] = Long.parseLong(parts[i]);
    }
    return used;
  }
}
