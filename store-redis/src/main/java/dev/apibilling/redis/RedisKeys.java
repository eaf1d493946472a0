package dev.apibilling.redis;

import dev.apibilling.spi.WindowSlot;
import io.lettuce.core.cluster.SlotHash;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;

/**
 * Names the Redis keys of one store: {@code <prefix>{<client tag>}:<suffix>}.
 *
 * <p>The client tag is the client id itself when it is short and made of plain characters, otherwise a
 * readable sanitized head of the id, {@code ~}, and the SHA-256 hex of the id: ids of any length or
 * character never break out of the braces, never collide, and every key of a client shares one Redis
 * Cluster hash slot. Suffixes: {@code w:<policy>:<start>} a window counter, {@code d} the daily totals
 * (hash of epoch day to credits), {@code d:<operation>} the daily totals of one operation, {@code o} the
 * operations that have daily totals (a set), {@code r} the reservations (sorted set scored by expiry),
 * {@code r:<id>} one reservation (hash of credits, day, window suffixes, operation), {@code i:<key>} one
 * recorded idempotent outcome, {@code e:<day>} the client's usage events of a day (outbox entry ids).
 * Outside any client: {@code events}, {@code events:claims}, {@code events:cursor} and {@code
 * events:claimed}, the usage-event outbox and its claims; on Redis Cluster one such set per slot that has
 * events, {@code {<slot tag>}:events...}. Thread safe (immutable).
 */
final class RedisKeys {

  /** The default key prefix. */
  static final String DEFAULT_PREFIX = "apibilling:";

  /** Ids longer than this are always hashed. */
  static final int MAX_VERBATIM_LENGTH = 64;

  /** Characters of the readable head kept in front of the hash of a hashed id. */
  static final int HASHED_HEAD_LENGTH = 32;

  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.:/-]{1,64}");
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final String prefix;

  RedisKeys(String prefix) {
    this.prefix = validPrefix(prefix);
  }

  /**
   * A key prefix: 1 to 64 of {@code A-Z a-z 0-9 _ . : / -} (no braces, so it never holds a hash tag).
   *
   * @throws IllegalArgumentException if it is not
   */
  static String validPrefix(String prefix) {
    if (prefix == null || !PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "keyPrefix must be 1 to 64 of [A-Za-z0-9_.:/-] but was " + quote(prefix));
    }
    return prefix;
  }

  String prefix() {
    return prefix;
  }

  /** The part every key of the client starts with: {@code <prefix>{<tag>}:}. */
  String base(String clientId) {
    return prefix + '{' + tag(clientId) + "}:";
  }

  static String window(String base, WindowSlot slot) {
    return base + "w:" + slot.policy() + ':' + slot.start();
  }

  static String days(String base) {
    return base + 'd';
  }

  /** The daily totals of one operation of the client (hash of epoch day to credits). */
  static String operationDays(String base, String operation) {
    return base + "d:" + operation;
  }

  /** The client's operations that have daily totals (a set of operation names). */
  static String operations(String base) {
    return base + 'o';
  }

  static String reservations(String base) {
    return base + 'r';
  }

  static String reservation(String base, String reservationId) {
    return base + "r:" + reservationId;
  }

  static String outcome(String base, String idempotencyKey) {
    return base + "i:" + idempotencyKey;
  }

  /** The client's index of usage events recorded on {@code epochDay} (a list of outbox entry ids). */
  static String clientEvents(String base, long epochDay) {
    return base + "e:" + epochDay;
  }

  /**
   * The keys of one usage-event outbox: the stream of compact records, the claims on its entries (sorted
   * set of entry id by claim expiry), the last entry id ever claimed, and how many claimed entries the
   * stream still holds.
   */
  record Outbox(String stream, String claims, String cursor, String claimed) {
    String[] keys() {
      return new String[] {stream, claims, cursor, claimed};
    }

    /** The list of events recorded and not yet in the stream, which charges and settlements append to. */
    String newEvents() {
      return stream + ":new";
    }
  }

  /** The store's one outbox on a single Redis: {@code <prefix>events} and its companions. */
  Outbox outbox() {
    return outbox(prefix + "events");
  }

  /**
   * The outbox of one Redis Cluster slot: {@code <prefix>{<tag>}:events} and its companions, where the tag
   * hashes to {@code slot}, so a script of any client of that slot can write it.
   */
  Outbox outbox(int slot) {
    return outbox(prefix + '{' + SlotTags.tag(slot) + "}:events");
  }

  private static Outbox outbox(String stream) {
    return new Outbox(stream, stream + ":claims", stream + ":cursor", stream + ":claimed");
  }

  /** The Redis Cluster slot of every key of the client whose keys start with {@code base}. */
  static int slot(String base) {
    return SlotHash.getSlot(base);
  }

  /** Short hash tags, one per Redis Cluster slot, found once by trying base-36 numbers in order. */
  static final class SlotTags {
    private static final String[] TAGS = tags();

    private SlotTags() {}

    static String tag(int slot) {
      return TAGS[slot];
    }

    private static String[] tags() {
      String[] tags = new String[SlotHash.SLOT_COUNT];
      int found = 0;
      for (int i = 0; found < tags.length; i++) {
        String tag = Integer.toString(i, 36);
        int slot = SlotHash.getSlot(tag);
        if (tags[slot] == null) {
          tags[slot] = tag;
          found++;
        }
      }
      return tags;
    }
  }

  /**
   * The hash tag of a client: the id when plain and short, else a sanitized head + {@code ~} + SHA-256 hex;
   * always ASCII.
   */
  static String tag(String clientId) {
    if (clientId.length() <= MAX_VERBATIM_LENGTH && isPlain(clientId)) {
      return clientId;
    }
    StringBuilder b = new StringBuilder(HASHED_HEAD_LENGTH + 1 + 64);
    for (int i = 0; i < clientId.length() && b.length() < HASHED_HEAD_LENGTH; i++) {
      char c = clientId.charAt(i);
      b.append(plain(c) ? c : '_');
    }
    b.append('~');
    byte[] digest = sha256(clientId.getBytes(StandardCharsets.UTF_8));
    for (byte x : digest) {
      b.append(HEX[(x >> 4) & 0xf]).append(HEX[x & 0xf]);
    }
    return b.toString();
  }

  private static boolean isPlain(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!plain(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Characters kept verbatim in a tag; never '{', '}', '~' (the hash separator), space or control. */
  private static boolean plain(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '_' || c == '.' || c == ':' || c == '@' || c == '+' || c == '/' || c == '=';
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder("'");
    String shown = s.length() > 70 ? s.substring(0, 70) + "..." : s;
    for (int i = 0; i < shown.length(); i++) {
      char c = shown.charAt(i);
      b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return b.append('\'').toString();
  }
}
