package dev.apibilling.redis;

import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.EventRecord;
import dev.apibilling.spi.WindowSlot;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The KEYS and ARGV of the plain-charge script ({@link RedisScripts#PLAIN_CHARGE}), by name, as
 * {@link ChargeArguments} names those of the decision script: Java indexes are the script's Lua indexes
 * minus one, and the script's commented table names the same slots.
 *
 * <p>They are the arguments of the {@code EVALSHA} (or {@code EVAL}) command itself: written straight into
 * the command's buffer, keys from the client's tag and the window's policy and start, every ARGV as decimal
 * digits, without a string, array or Lettuce argument object in between.
 */
final class PlainChargeArguments extends CommandArgs<String, String> {

  /** ARGV: the caller's clock, epoch milliseconds. */
  static final int NOW = 0;
  /** ARGV: credits asked for. */
  static final int CREDITS = 1;
  /** ARGV: the epoch day the credits count towards. */
  static final int DAY = 2;
  /** ARGV: TTL of the daily totals, milliseconds. */
  static final int DAYS_TTL = 3;
  /** ARGV: the oldest epoch day kept in the daily totals. */
  static final int OLDEST_DAY = 4;
  /**
   * ARGV: the limit of the first window ({@link WindowSlot#UNLIMITED} for none), then the TTL its counter
   * gets, then the PTTL below which an existing counter is extended to that TTL; then the same of the
   * next window.
   */
  static final int FIRST_WINDOW = 5;
  /*
   * With a usage event, one key (the outbox's list of new events) follows the window counters, and one ARGV follows the
   * windows': the event's compact record.
   */

  /** KEYS: the client's reservation index. */
  static final int K_RESERVATIONS = 0;
  /** KEYS: the client's daily totals. */
  static final int K_DAYS = 1;
  /** KEYS: the first window counter; the others follow. */
  static final int K_FIRST_WINDOW = 2;

  /** A scratch array of each thread that encodes: room for a few numbers and keys before a copy. */
  private static final class Scratch {
    /** The longest key head {@link #keyHead} puts: bulk length, prefix, tag (see {@link RedisKeys}). */
    static final int MAX_KEY_HEAD = 1 + 20 + 2 + 64 + 1 + RedisKeys.HASHED_HEAD_LENGTH + 1 + 64 + 2;
    static final int SIZE = 1024;
    /** Past this the scratch goes to the buffer before the next key or number. */
    static final int FLUSH = SIZE - MAX_KEY_HEAD - 32;
    /**
     * A plain {@code ThreadLocal} (not Netty's {@code FastThreadLocal}, whose thread map keeps its instances
     * strongly): the encoding threads may outlive a redeployed web application, and its classes must not stay
     * reachable from them; the value is a JDK array and the thread map holds the key weakly.
     */
    static final ThreadLocal<byte[]> OF_THREAD = ThreadLocal.withInitial(() -> new byte[SIZE]);

    private Scratch() {}
  }

  /** The key prefix (ASCII, see {@link RedisKeys#validPrefix}). */
  private final byte[] prefix;
  /** The client's hash tag (ASCII, see {@link RedisKeys#tag}). */
  private final String tag;
  private final List<WindowSlot> slots;
  final long[] argv;
  /** The outbox's list of new events with a usage event, else null. */
  private final @Nullable String outbox;
  /** The event's compact record with a usage event, else null. */
  private final @Nullable String event;
  /** The SHA-1 (or the text) of the script, the first argument. */
  private byte[] script;

  /**
   * The arguments of {@code request} for the client tagged {@code tag} in keys that start with
   * {@code prefix}; {@code outbox} is the outbox's list of new events when the request carries a usage event.
   */
  PlainChargeArguments(ChargeRequest request, byte[] prefix, String tag, long daysTtl, long oldestDay,
      long graceMillis, @Nullable String outbox) {
    super(StringCodec.UTF8);
    EventRecord e = request.event();
    this.outbox = e == null ? null : outbox;
    this.event = e == null || outbox == null ? null : e.payload();
    this.prefix = prefix;
    this.tag = tag;
    List<WindowSlot> s = request.windows();
    int n = s.size();
    long now = request.now();
    long[] a = new long[FIRST_WINDOW + 3 * n];
    a[NOW] = now;
    a[CREDITS] = request.credits();
    a[DAY] = request.epochDay();
    a[DAYS_TTL] = daysTtl;
    a[OLDEST_DAY] = oldestDay;
    for (int i = 0; i < n; i++) {
      WindowSlot slot = s.get(i);
      long ttl = slot.end() + graceMillis - now;
      a[FIRST_WINDOW + 3 * i] = slot.limit();
      a[FIRST_WINDOW + 3 * i + 1] = Math.max(ttl, 1);
      // the decision script extends when ttl - grace / 2 > PTTL (Lua's division): PTTL < ttl - floor(grace / 2)
      a[FIRST_WINDOW + 3 * i + 2] = ttl - graceMillis / 2;
    }
    this.slots = s;
    this.argv = a;
  }

  /** The number of windows, so of the counts the script replies after the grant. */
  int windows() {
    return slots.size();
  }

  /** Makes these the arguments of a command of {@code script}: its SHA-1 or its text, as UTF-8. */
  PlainChargeArguments script(byte[] script) {
    this.script = script;
    return this;
  }

  /** The number of keys: the reservation index, the daily totals, the windows, the outbox if any. */
  private int keys() {
    return K_FIRST_WINDOW + slots.size() + (outbox == null ? 0 : 1);
  }

  @Override
  public int count() {
    // the script, the number of keys, the keys, the ARGV
    return 2 + keys() + argv.length + (event == null ? 0 : 1);
  }

  @Override
  public void encode(ByteBuf buf) {
    // small pieces go to a scratch array first, which reaches the buffer in a few bulk copies
    byte[] s = Scratch.OF_THREAD.get();
    int p = head(s, 0, script.length);
    buf.writeBytes(s, 0, p);
    buf.writeBytes(script);
    p = crLf(s, 0);
    p = number(s, p, keys());
    int base = prefix.length + tag.length() + 3;
    p = keyHead(s, p, base + 1);
    s[p++] = 'r';
    p = crLf(s, p);
    p = keyHead(s, p, base + 1);
    s[p++] = 'd';
    p = crLf(s, p);
    for (WindowSlot slot : slots) {
      long start = slot.start();
      int policyLength = ByteBufUtil.utf8Bytes(slot.policy());
      if (p > Scratch.FLUSH) {
        buf.writeBytes(s, 0, p);
        p = 0;
      }
      p = keyHead(s, p, base + 2 + policyLength + 1 + digits(start));
      s[p++] = 'w';
      s[p++] = ':';
      buf.writeBytes(s, 0, p);
      ByteBufUtil.writeUtf8(buf, slot.policy());
      s[0] = ':';
      p = digits(s, 1, start);
      p = crLf(s, p);
    }
    if (outbox != null) {
      p = text(buf, s, p, outbox);
    }
    for (long value : argv) {
      if (p > Scratch.FLUSH) {
        buf.writeBytes(s, 0, p);
        p = 0;
      }
      p = number(s, p, value);
    }
    if (event != null) {
      p = text(buf, s, p, event);
    }
    buf.writeBytes(s, 0, p);
  }

  /**
   * Writes what is at {@code 0 .. p} of {@code s}, then {@code value} as a bulk string of its UTF-8, to
   * {@code buf}; returns where the scratch starts again (it holds the value's closing CRLF).
   */
  private static int text(ByteBuf buf, byte[] s, int p, String value) {
    p = head(s, p, ByteBufUtil.utf8Bytes(value));
    buf.writeBytes(s, 0, p);
    ByteBufUtil.writeUtf8(buf, value);
    return crLf(s, 0);
  }

  /**
   * Puts the bulk length of a key and its {@code <prefix>{<tag>}:} at {@code p} of {@code s}; returns where
   * it ends (at most {@link Scratch#MAX_KEY_HEAD} bytes on).
   */
  private int keyHead(byte[] s, int p, int length) {
    p = head(s, p, length);
    System.arraycopy(prefix, 0, s, p, prefix.length);
    p += prefix.length;
    s[p++] = '{';
    for (int i = 0; i < tag.length(); i++) {
      s[p++] = (byte) tag.charAt(i);
    }
    s[p++] = '}';
    s[p++] = ':';
    return p;
  }

  /** Puts {@code $<length>\r\n} at {@code p} of {@code s}; returns where it ends. */
  private static int head(byte[] s, int p, long length) {
    s[p++] = '$';
    return crLf(s, digits(s, p, length));
  }

  private static int crLf(byte[] s, int p) {
    s[p++] = '\r';
    s[p++] = '\n';
    return p;
  }

  /** Puts {@code value} as a bulk string of its decimal digits at {@code p} of {@code s}; returns where it ends. */
  private static int number(byte[] s, int p, long value) {
    int n = digits(value);
    s[p++] = '$';
    p = digits(s, p, n);
    p = crLf(s, p);
    return crLf(s, digits(s, p, value));
  }

  /** The reservation index, the first key: Redis Cluster routes the command by its slot. */
  @Override
  public ByteBuffer getFirstEncodedKey() {
    ByteBuf buf = Unpooled.buffer(prefix.length + tag.length() + 4);
    buf.writeBytes(prefix).writeByte('{').writeCharSequence(tag, StandardCharsets.US_ASCII);
    buf.writeByte('}').writeByte(':').writeByte('r');
    return ByteBuffer.wrap(ByteBufUtil.getBytes(buf));
  }

  @Override
  public String toCommandString() {
    String base = new String(prefix, StandardCharsets.US_ASCII) + '{' + tag + "}:";
    StringBuilder b = new StringBuilder("<script> ").append(keys()).append(' ')
        .append(RedisKeys.reservations(base)).append(' ').append(RedisKeys.days(base));
    for (WindowSlot slot : slots) {
      b.append(' ').append(RedisKeys.window(base, slot));
    }
    if (outbox != null) {
      b.append(' ').append(outbox);
    }
    for (long value : argv) {
      b.append(' ').append(value);
    }
    if (event != null) {
      b.append(" <event>");
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + " [" + toCommandString() + "]";
  }

  /** The number of characters of {@code value} in decimal, the sign included. */
  static int digits(long value) {
    if (value < 0) {
      return value == Long.MIN_VALUE ? 20 : 1 + digits(-value);
    }
    long power = 10;
    for (int n = 1; n < 19; n++) {
      if (value < power) {
        return n;
      }
      power *= 10;
    }
    return 19;
  }

  /** Puts {@code value} in decimal, the sign included, at {@code p} of {@code s}; returns where it ends. */
  static int digits(byte[] s, int p, long value) {
    if (value == Long.MIN_VALUE) {
      for (byte c : "-9223372036854775808".getBytes(StandardCharsets.US_ASCII)) {
        s[p++] = c;
      }
      return p;
    }
    int end = p + digits(value);
    if (value < 0) {
      s[p] = '-';
      value = -value;
    }
    int i = end - 1;
    for (; value > Integer.MAX_VALUE; i--) {
      long q = value / 10;
      s[i] = (byte) ('0' + value - q * 10);
      value = q;
    }
    int v = (int) value;
    do {
      int q = v / 10;
      s[i--] = (byte) ('0' + v - q * 10);
      v = q;
    } while (v != 0);
    return end;
  }
}
