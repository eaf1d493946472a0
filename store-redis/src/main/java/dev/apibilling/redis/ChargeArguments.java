package dev.apibilling.redis;

import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.WindowSlot;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The KEYS and ARGV of the decision script ({@link RedisScripts#CHARGE}), by name: Java indexes here are
 * the script's Lua indexes minus one, and the script names the same slots in a commented table (a test
 * checks that the two agree). One decision is one {@code EVALSHA} with these arrays.
 */
final class ChargeArguments {

  /** ARGV: the client's key prefix, hash tag included. */
  static final int BASE = 0;
  /** ARGV: the caller's clock, epoch milliseconds. */
  static final int NOW = 1;
  /** ARGV: credits asked for. */
  static final int CREDITS = 2;
  /** ARGV: the charge mode's {@link ChargeMode#code() code}: 0 check, 1 charge, 2 reserve. */
  static final int MODE = 3;
  /** ARGV: the number of windows, n. */
  static final int WINDOWS = 4;
  /** ARGV: the epoch day the credits count towards. */
  static final int DAY = 5;
  /** ARGV: TTL of the daily totals, milliseconds. */
  static final int DAYS_TTL = 6;
  /** ARGV: the oldest epoch day kept in the daily totals. */
  static final int OLDEST_DAY = 7;
  /** ARGV: how long a window counter outlives its window, milliseconds. */
  static final int GRACE = 8;
  /** ARGV: when the outcome recorded under the idempotency key is forgotten, or '' without a key. */
  static final int OUTCOME_EXPIRY = 9;
  /** ARGV: the reservation id in reserve mode, else ''. */
  static final int RESERVATION_ID = 10;
  /** ARGV: when an unsettled reservation is given back. */
  static final int RESERVATION_EXPIRY = 11;
  /** ARGV: the operation whose daily totals the credits also count towards, or '' for none. */
  static final int OPERATION = 12;
  /** ARGV: the limit of the first window; its end follows, then the limit and end of the next window. */
  static final int FIRST_WINDOW = 13;

  /** KEYS: the client's reservation index. */
  static final int K_RESERVATIONS = 0;
  /** KEYS: the client's daily totals. */
  static final int K_DAYS = 1;
  /** KEYS: the first window counter; the others follow, then the optional keys (see the script). */
  static final int K_FIRST_WINDOW = 2;

  final String[] keys;
  final String[] argv;

  /**
   * The arguments of {@code request} for the client keys under {@code base}; with {@code outbox} not null
   * (a charge with a usage event) the event's record follows the windows.
   */
  ChargeArguments(ChargeRequest request, String base, long daysTtl, long oldestDay, long graceMillis,
      @Nullable String outbox) {
    List<WindowSlot> slots = request.windows();
    int n = slots.size();
    String idempotencyKey = request.idempotencyKey();
    boolean reserve = request.mode() == ChargeMode.RESERVE;
    String[] k = new String[K_FIRST_WINDOW + n + (idempotencyKey != null ? 1 : 0) + (reserve || outbox != null ? 1 : 0)];
    k[K_RESERVATIONS] = RedisKeys.reservations(base);
    k[K_DAYS] = RedisKeys.days(base);
    for (int i = 0; i < n; i++) {
      k[K_FIRST_WINDOW + i] = RedisKeys.window(base, slots.get(i));
    }
    int next = K_FIRST_WINDOW + n;
    if (idempotencyKey != null) {
      k[next++] = RedisKeys.outcome(base, idempotencyKey);
    }
    if (reserve) {
      k[next] = RedisKeys.reservation(base, request.reservationId());
    } else if (outbox != null) {
      k[next] = outbox;
    }
    String[] a = new String[FIRST_WINDOW + 2 * n + (outbox != null ? 1 : 0)];
    a[BASE] = base;
    a[NOW] = Long.toString(request.now());
    a[CREDITS] = Long.toString(request.credits());
    a[MODE] = Integer.toString(request.mode().code());
    a[WINDOWS] = Integer.toString(n);
    a[DAY] = Long.toString(request.epochDay());
    a[DAYS_TTL] = Long.toString(daysTtl);
    a[OLDEST_DAY] = Long.toString(oldestDay);
    a[GRACE] = Long.toString(graceMillis);
    a[OUTCOME_EXPIRY] = idempotencyKey == null ? "" : Long.toString(request.idempotencyExpiresAt());
    a[RESERVATION_ID] = reserve ? request.reservationId() : "";
    a[RESERVATION_EXPIRY] = Long.toString(request.reservationExpiresAt());
    a[OPERATION] = request.operation() == null ? "" : request.operation();
    for (int i = 0; i < n; i++) {
      WindowSlot slot = slots.get(i);
      a[FIRST_WINDOW + 2 * i] = Long.toString(slot.limit());
      a[FIRST_WINDOW + 2 * i + 1] = Long.toString(slot.end());
    }
    if (outbox != null) {
      a[FIRST_WINDOW + 2 * n] = request.event().payload();
    }
    this.keys = k;
    this.argv = a;
  }
}
