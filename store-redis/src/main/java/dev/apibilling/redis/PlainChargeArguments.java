package dev.apibilling.redis;

import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.WindowSlot;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import java.util.List;

/**
 * The KEYS and ARGV of the plain-charge script ({@link RedisScripts#PLAIN_CHARGE}), by name, as
 * {@link ChargeArguments} names those of the decision script: Java indexes are the script's Lua indexes
 * minus one, and the script's commented table names the same slots. Every ARGV is a number, written to
 * the command as decimal digits without a string in between.
 */
final class PlainChargeArguments {

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

  final String[] keys;
  final long[] argv;

  /** The arguments of {@code request} for the client keys under {@code base}. */
  PlainChargeArguments(ChargeRequest request, String base, long daysTtl, long oldestDay, long graceMillis) {
    List<WindowSlot> slots = request.windows();
    int n = slots.size();
    long now = request.now();
    String[] k = new String[K_FIRST_WINDOW + n];
    k[K_RESERVATIONS] = RedisKeys.reservations(base);
    k[K_DAYS] = RedisKeys.days(base);
    long[] a = new long[FIRST_WINDOW + 3 * n];
    a[NOW] = now;
    a[CREDITS] = request.credits();
    a[DAY] = request.epochDay();
    a[DAYS_TTL] = daysTtl;
    a[OLDEST_DAY] = oldestDay;
    for (int i = 0; i < n; i++) {
      WindowSlot slot = slots.get(i);
      k[K_FIRST_WINDOW + i] = RedisKeys.window(base, slot);
      long ttl = slot.end() + graceMillis - now;
      a[FIRST_WINDOW + 3 * i] = slot.limit();
      a[FIRST_WINDOW + 3 * i + 1] = Math.max(ttl, 1);
      // the decision script extends when ttl - grace / 2 > PTTL (Lua's division): PTTL < ttl - floor(grace / 2)
      a[FIRST_WINDOW + 3 * i + 2] = ttl - graceMillis / 2;
    }
    this.keys = k;
    this.argv = a;
  }

  /** The arguments of {@code EVALSHA} (or {@code EVAL}) after the script's SHA-1 (or text). */
  CommandArgs<String, String> commandArgs(String script) {
    CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add(script).add(keys.length);
    for (String key : keys) {
      args.addKey(key);
    }
    for (long value : argv) {
      args.add(value);
    }
    return args;
  }
}
