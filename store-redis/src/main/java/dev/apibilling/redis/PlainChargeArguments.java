package dev.apibilling.redis;

import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.WindowSlot;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

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

  /** KEYS: the client's reservation index. */
  static final int K_RESERVATIONS = 0;
  /** KEYS: the client's daily totals. */
  static final int K_DAYS = 1;
  /** KEYS: the first window counter; the others follow. */
  static final int K_FIRST_WINDOW = 2;

  private static final byte[] CR_LF = {'\r', '\n'};
  private static final byte[] WINDOW_SUFFIX = {'w', ':'};

  /** The key prefix (ASCII, see {@link RedisKeys#validPrefix}). */
  private final byte[] prefix;
  /** The client's hash tag (ASCII, see {@link RedisKeys#tag}). */
  private final String tag;
  private final List<WindowSlot> slots;
  final long[] argv;
  /** The SHA-1 (or the text) of the script, the first argument. */
  private byte[] script;

  /** The arguments of {@code request} for the client tagged {@code tag} in keys that start with {@code prefix}. */
  PlainChargeArguments(ChargeRequest request, byte[] prefix, String tag, long daysTtl, long oldestDay,
      long graceMillis) {
    super(StringCodec.UTF8);
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

  @Override
  public int count() {
    // the script, the number of keys, the keys, the ARGV
    return 2 + K_FIRST_WINDOW + slots.size() + argv.length;
  }

  @Override
  public void encode(ByteBuf buf) {
    bulk(buf, script);
    number(buf, K_FIRST_WINDOW + slots.size());
    int base = prefix.length + tag.length() + 3;
    key(buf, base + 1, 'r');
    key(buf, base + 1, 'd');
    for (WindowSlot slot : slots) {
      long start = slot.start();
      int length = base + 2 + ByteBufUtil.utf8Bytes(slot.policy()) + 1 + digits(start);
      keyHead(buf, length);
      buf.writeBytes(WINDOW_SUFFIX);
      ByteBufUtil.writeUtf8(buf, slot.policy());
      buf.writeByte(':');
      writeDigits(buf, start);
      buf.writeBytes(CR_LF);
    }
    for (long value : argv) {
      number(buf, value);
    }
  }

  /** Writes a key {@code <prefix>{<tag>}:<suffix>} of {@code length} bytes (a one-character suffix). */
  private void key(ByteBuf buf, int length, char suffix) {
    keyHead(buf, length);
    buf.writeByte(suffix);
    buf.writeBytes(CR_LF);
  }

  /** Writes the bulk length of a key and its {@code <prefix>{<tag>}:}. */
  private void keyHead(ByteBuf buf, int length) {
    buf.writeByte('$');
    writeDigits(buf, length);
    buf.writeBytes(CR_LF);
    buf.writeBytes(prefix);
    buf.writeByte('{');
    buf.writeCharSequence(tag, StandardCharsets.US_ASCII);
    buf.writeByte('}');
    buf.writeByte(':');
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
    StringBuilder b = new StringBuilder("<script> ").append(K_FIRST_WINDOW + slots.size()).append(' ')
        .append(RedisKeys.reservations(base)).append(' ').append(RedisKeys.days(base));
    for (WindowSlot slot : slots) {
      b.append(' ').append(RedisKeys.window(base, slot));
    }
    for (long value : argv) {
      b.append(' ').append(value);
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + " [" + toCommandString() + "]";
  }

  private static void bulk(ByteBuf buf, byte[] bytes) {
    buf.writeByte('$');
    writeDigits(buf, bytes.length, digits(bytes.length));
    buf.writeBytes(CR_LF);
    buf.writeBytes(bytes);
    buf.writeBytes(CR_LF);
  }

  /** Writes {@code value} as a bulk string of its decimal digits. */
  static void number(ByteBuf buf, long value) {
    int n = digits(value);
    buf.writeByte('$');
    writeDigits(buf, n, digits(n));
    buf.writeBytes(CR_LF);
    writeDigits(buf, value, n);
    buf.writeBytes(CR_LF);
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

  /** Writes {@code value} in decimal, the sign included. */
  static void writeDigits(ByteBuf buf, long value) {
    writeDigits(buf, value, digits(value));
  }

  /** Writes {@code value} in decimal: {@code n} characters, the sign included. */
  private static void writeDigits(ByteBuf buf, long value, int n) {
    if (value == Long.MIN_VALUE) {
      buf.writeCharSequence("-9223372036854775808", StandardCharsets.US_ASCII);
      return;
    }
    int at = buf.writerIndex();
    buf.ensureWritable(n);
    if (value < 0) {
      buf.setByte(at, '-');
      value = -value;
    }
    int i = at + n - 1;
    for (; value > Integer.MAX_VALUE; i--) {
      long q = value / 10;
      buf.setByte(i, (int) ('0' + value - q * 10));
      value = q;
    }
    int v = (int) value;
    do {
      int q = v / 10;
      buf.setByte(i--, '0' + v - q * 10);
      v = q;
    } while (v != 0);
    buf.writerIndex(at + n);
  }
}
