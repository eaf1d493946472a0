package dev.apibilling.memory;

import dev.apibilling.Requirements;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.WindowSlot;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Everything the in-memory store keeps for one client, laid out for a small footprint: a list of window
 * counters, today's total in two fields, older days in one array of pairs, and idempotency records and
 * reservations in an object only a client that uses them gets, as are the daily totals of operations (an
 * array of pairs per operation, in a map only a client charged for an operation gets).
 *
 * <p>Two ways in. Every method but {@link #chargeQuickly} runs under this object's monitor and starts by
 * {@link #cool cooling} the state. {@link #chargeQuickly} takes no lock: after a plain charge granted under
 * the monitor, the state is <em>hot</em> for that request's window list, held by a {@link Hot} object. A
 * plain charge adds the same credits to every window, so while hot the windows' counts differ from the
 * first window's by constant offsets, and one {@code long} holds them all: quick charges add to it by
 * compare-and-set (all windows at once, so the check and the deduction stay atomic, and nothing is
 * allocated between the read and the write). Cooling sets that {@code long} to {@code COLD} for good (a
 * quick charge that read a count then fails its compare-and-set; a {@code Hot} is never made hot again, so
 * a count cannot come back to a value read before) and writes the counts, and the credits the quick
 * charges added to today's total, back into the counters.
 *
 * <p>Expired entries are dropped lazily, judged by the {@code now} of the calls.
 */
final class ClientState {

  /**
   * How long a window's count outlives its end: a caller that read the clock just before the end may reach
   * the store after another caller past it, and must find the count, not a fresh zero.
   */
  static final long WINDOW_GRACE_MILLIS = 60_000;

  private static final long DAY_MILLIS = 86_400_000L;
  private static final long COLD = -1;
  private static final VarHandle HOT_USED;

  static {
    try {
      HOT_USED = MethodHandles.lookup().findVarHandle(Hot.class, "used", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Set (under the monitor) when the cache dropped this state; a caller holding it must retry. */
  boolean removed;

  /** When every window, record and reservation in this state has expired, epoch milliseconds. */
  volatile long expiresAt;

  /** Every window counter, newest first. */
  private @Nullable Counter windows;
  private @Nullable Holds holds;
  /** The newest day with a total, and that total; older days are in {@link #pastDays}. */
  private long todayEpochDay = Long.MIN_VALUE;
  private long todayTotal;
  /** {@code (epochDay, total)} pairs of days before {@link #todayEpochDay}, ascending; null if none. */
  private long @Nullable [] pastDays;
  /** The daily totals of the client's operations; null if no operation has a total. */
  private @Nullable OperationDays operationDays;

  /** The windows this state is hot for and their counts, or null when cold. */
  private volatile @Nullable Hot hot;

  /**
   * A plain charge (no idempotency key, no reservation) of the windows this state is hot for, on
   * {@code epochDay} = today, without the monitor.
   *
   * @return the counts after the granted charge, or null when the caller must take the monitor and call
   *     {@link #charge} (the state is cold or hot for other windows or another day, the charge does not
   *     fit, or a count would saturate); a null changes nothing
   */
  long @Nullable [] chargeQuickly(List<WindowSlot> slots, long credits, long epochDay) {
    Hot h = hot;
    if (h == null || h.slots != slots || todayEpochDay != epochDay) {
      return null;
    }
    long[] offsets = h.offsets();
    for (;;) {
      long used = (long) HOT_USED.getVolatile(h);
      if (used == COLD || !fits(slots, offsets, used, credits)) {
        return null;
      }
      if (HOT_USED.compareAndSet(h, used, used + credits)) {
        return counts(offsets, used + credits);
      }
    }
  }

  private static boolean fits(List<WindowSlot> slots, long @Nullable [] offsets, long used, long credits) {
    if (offsets == null) {
      return slots.get(0).admits(used, credits) && used + credits <= Requirements.MAX_CREDITS;
    }
    for (int i = 0; i < offsets.length; i++) {
      long u = used + offsets[i];
      if (!slots.get(i).admits(u, credits) || u + credits > Requirements.MAX_CREDITS) {
        return false;
      }
    }
    return true;
  }

  /** The windows' counts when the first one's is {@code used}. */
  private static long[] counts(long @Nullable [] offsets, long used) {
    if (offsets == null) {
      return new long[] {used};
    }
    long[] counts = new long[offsets.length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = used + offsets[i];
    }
    return counts;
  }

  /** Stops quick charges and writes what they counted into the counters and today's total. */
  void cool() {
    Hot h = hot;
    if (h == null) {
      return;
    }
    hot = null;
    long used = (long) HOT_USED.getAndSet(h, COLD);
    long[] counts = counts(h.offsets(), used);
    for (int i = 0; i < counts.length; i++) {
      Counter c = find(h.slots.get(i));
      if (c == null) {
        throw new IllegalStateException("a hot window has no counter: " + h.slots.get(i));
      }
      if (i == 0) {
        addToday(counts[0] - c.used);
      }
      c.used = counts[i];
    }
  }

  ChargeResult charge(ChargeRequest request) {
    cool();
    long now = request.now();
    Holds h = holds;
    if (h != null && now >= h.nextReservationExpiry) {
      expireReservations(h, now);
    }
    String key = request.idempotencyKey();
    List<WindowSlot> slots = request.windows();
    if (key != null && h != null && h.outcomes != null) {
      Outcome o = h.outcomes.get(key);
      if (o != null) {
        if (o.expiresAt > now) {
          return replay(o, slots, now);
        }
        h.outcomes.remove(key);
      }
    }
    int n = slots.size();
    long[] used = new long[n];
    for (int i = 0; i < n; i++) {
      used[i] = counter(slots.get(i), now).used;
    }
    if (!request.admits(used)) {
      return ChargeResult.of(false, used, null);
    }
    if (request.mode() == ChargeMode.CHECK) {
      return ChargeResult.of(true, used, null);
    }
    long credits = request.credits();
    for (int i = 0; i < n; i++) {
      Counter c = find(slots.get(i));
      c.used = Math.min(Requirements.MAX_CREDITS, c.used + credits);
      used[i] = c.used;
    }
    addDaily(request.epochDay(), credits);
    String operation = request.operation();
    if (operation != null) {
      addOperationDaily(operation, request.epochDay(), credits);
    }
    String reservationId = null;
    if (request.mode() == ChargeMode.RESERVE) {
      reservationId = request.reservationId();
      h = holds();
      if (h.reservations == null) {
        h.reservations = new HashMap<>(4);
      }
      h.reservations.put(reservationId,
          new Held(slots, credits, request.epochDay(), request.reservationExpiresAt(), key, operation));
      h.nextReservationExpiry = Math.min(h.nextReservationExpiry, request.reservationExpiresAt());
      extend(request.reservationExpiresAt());
    }
    if (key != null) {
      h = holds();
      if (h.outcomes == null) {
        h.outcomes = new HashMap<>(4);
      }
      h.outcomes.put(key, new Outcome(reservationId, request.idempotencyExpiresAt()));
      extend(request.idempotencyExpiresAt());
    }
    if (reservationId == null && key == null && operation == null) {
      heat(slots, used, request.epochDay());
    }
    return ChargeResult.of(true, used, reservationId);
  }

  /**
   * Makes the state hot for {@code slots} after a plain charge left their counts at {@code used}, when nothing but plain charges can change them until the next cooling: no
   * reservation is held (expiring ones give credits back) and the charge counted towards today. Never
   * after a charge of an operation: quick charges count towards no operation's total.
   */
  private void heat(List<WindowSlot> slots, long[] used, long epochDay) {
    Holds h = holds;
    if (epochDay != todayEpochDay || h != null && h.reservations != null && !h.reservations.isEmpty()) {
      return;
    }
    hot = used.length == 1 ? new Hot(slots, used[0]) : new HotWindows(slots, used);
  }

  /**
   * The windows a state is hot for and the first one's count, or {@code COLD} once cooled (for good).
   * Only plain charges change the counts while hot, each by the same credits in every window.
   */
  private static class Hot {
    final List<WindowSlot> slots;
    volatile long used;

    Hot(List<WindowSlot> slots, long used) {
      this.slots = slots;
      this.used = used;
    }

    /** Each window's count less the first one's; null for one window. */
    long @Nullable [] offsets() {
      return null;
    }
  }

  /** A hot state of several windows: each one's count is the first one's plus its offset. */
  private static final class HotWindows extends Hot {
    final long[] offsets;

    HotWindows(List<WindowSlot> slots, long[] used) {
      super(slots, used[0]);
      offsets = new long[used.length];
      for (int i = 0; i < used.length; i++) {
        offsets[i] = used[i] - used[0];
      }
    }

    @Override
    long[] offsets() {
      return offsets;
    }
  }

  /** A recorded outcome replayed: the counts of the request's windows now, and what its reservation holds. */
  private ChargeResult replay(Outcome o, List<WindowSlot> slots, long now) {
    long[] used = usage(slots, now);
    String reservationId = o.reservationId;
    Holds h = holds;
    Held held = reservationId == null || h == null || h.reservations == null ? null
        : h.reservations.get(reservationId);
    return ChargeResult.replay(used, reservationId, held == null ? 0 : held.credits,
        held == null ? now : held.expiresAt);
  }

  boolean settle(SettleRequest request) {
    cool();
    Holds h = holds;
    if (h == null || h.reservations == null) {
      return false;
    }
    if (request.now() >= h.nextReservationExpiry) {
      expireReservations(h, request.now());
    }
    Held held = h.reservations.remove(request.reservationId());
    if (held == null) {
      return false;
    }
    if (request.actualCredits() > held.credits) {
      h.reservations.put(request.reservationId(), held);
      throw new IllegalArgumentException("actual credits must be <= the " + held.credits
          + " reserved but was " + request.actualCredits());
    }
    giveBack(held, held.credits - request.actualCredits());
    if (request.actualCredits() == 0) {
      forgetOutcome(held, request.reservationId());
    }
    return true;
  }

  long[] usage(List<WindowSlot> slots, long now) {
    cool();
    Holds h = holds;
    if (h != null && now >= h.nextReservationExpiry) {
      expireReservations(h, now);
    }
    long[] used = new long[slots.size()];
    for (int i = 0; i < used.length; i++) {
      Counter c = find(slots.get(i));
      if (c != null) {
        keep(c, slots.get(i));
        used[i] = c.used;
      }
    }
    return used;
  }

  /** Daily totals from {@code from} to {@code to} inclusive, without empty days, by day. */
  Map<Long, Long> history(long from, long to) {
    cool();
    Map<Long, Long> result = new TreeMap<>();
    long[] past = pastDays;
    for (int i = 0; past != null && i < past.length; i += 2) {
      if (past[i] >= from && past[i] <= to && past[i + 1] != 0) {
        result.put(past[i], past[i + 1]);
      }
    }
    if (todayEpochDay >= from && todayEpochDay <= to && todayTotal != 0) {
      result.put(todayEpochDay, todayTotal);
    }
    return result;
  }

  /** The daily totals of {@code operation} from {@code from} to {@code to} inclusive, without empty days. */
  Map<Long, Long> history(String operation, long from, long to) {
    OperationDays ops = operationDays;
    return ops == null ? Map.of() : ops.history(operation, from, to);
  }

  /**
   * Deletes the daily totals from {@code from} to {@code to} inclusive, the client's and its operations';
   * returns how many of the client's were not zero.
   */
  long deleteHistory(long from, long to) {
    cool();
    if (operationDays != null && operationDays.delete(from, to) == Long.MIN_VALUE) {
      operationDays = null;
    }
    long days = 0;
    long[] past = pastDays;
    if (past != null) {
      int kept = 0;
      for (int i = 0; i < past.length; i += 2) {
        if (past[i] >= from && past[i] <= to) {
          days += past[i + 1] != 0 ? 1 : 0;
        } else {
          past[kept++] = past[i];
          past[kept++] = past[i + 1];
        }
      }
      pastDays = kept == 0 ? null : Arrays.copyOf(past, kept);
    }
    if (todayEpochDay >= from && todayEpochDay <= to) {
      days += todayTotal != 0 ? 1 : 0;
      todayTotal = 0;
    }
    return days;
  }

  /**
   * Drops expired entries, and daily totals older than {@code historyRetentionMillis}; returns whether
   * nothing is left that has not expired.
   */
  boolean sweep(long now, long historyRetentionMillis) {
    cool();
    Holds h = holds;
    if (h != null) {
      if (now >= h.nextReservationExpiry) {
        expireReservations(h, now);
      }
      if (h.outcomes != null) {
        h.outcomes.values().removeIf(o -> o.expiresAt <= now);
      }
      if ((h.outcomes == null || h.outcomes.isEmpty()) && (h.reservations == null || h.reservations.isEmpty())) {
        holds = null;
      }
    }
    pruneWindows(null, now - WINDOW_GRACE_MILLIS);
    long oldestKept = Math.floorDiv(now - historyRetentionMillis, DAY_MILLIS);
    long[] past = pastDays;
    if (past != null) {
      int first = 0;
      while (first < past.length && past[first] < oldestKept) {
        first += 2;
      }
      pastDays = first == past.length ? null : first == 0 ? past : Arrays.copyOfRange(past, first, past.length);
    }
    if (operationDays != null) {
      long latest = operationDays.delete(Long.MIN_VALUE, oldestKept - 1);
      if (latest == Long.MIN_VALUE) {
        operationDays = null;
      } else {
        extend((latest + 1) * DAY_MILLIS + historyRetentionMillis);
      }
    }
    if (todayEpochDay != Long.MIN_VALUE) {
      if (todayEpochDay < oldestKept) {
        todayEpochDay = Long.MIN_VALUE;
        todayTotal = 0;
      } else {
        extend((todayEpochDay + 1) * DAY_MILLIS + historyRetentionMillis);
      }
    }
    return expiresAt <= now;
  }

  private Holds holds() {
    Holds h = holds;
    if (h == null) {
      h = new Holds();
      holds = h;
    }
    return h;
  }

  private void expireReservations(Holds h, long now) {
    long next = Long.MAX_VALUE;
    if (h.reservations != null) {
      for (Iterator<Map.Entry<String, Held>> it = h.reservations.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, Held> e = it.next();
        Held held = e.getValue();
        if (held.expiresAt <= now) {
          it.remove();
          giveBack(held, held.credits);
          forgetOutcome(held, e.getKey());
        } else {
          next = Math.min(next, held.expiresAt);
        }
      }
    }
    h.nextReservationExpiry = next;
  }

  /** A reservation given back in full was never charged: a retry under its key must be charged again. */
  private void forgetOutcome(Held held, String reservationId) {
    String key = held.idempotencyKey;
    Holds h = holds;
    if (key != null && h != null && h.outcomes != null) {
      Outcome o = h.outcomes.get(key);
      if (o != null && reservationId.equals(o.reservationId)) {
        h.outcomes.remove(key);
      }
    }
  }

  private void giveBack(Held held, long credits) {
    if (credits == 0) {
      return;
    }
    for (WindowSlot slot : held.slots) {
      Counter c = find(slot);
      if (c != null) {
        c.used = Math.max(0, c.used - credits);
      }
    }
    addDaily(held.epochDay, -credits);
    if (held.operation != null) {
      addOperationDaily(held.operation, held.epochDay, -credits);
    }
  }

  private void addOperationDaily(String operation, long epochDay, long credits) {
    if (operationDays == null) {
      operationDays = new OperationDays();
    }
    operationDays.add(operation, epochDay, credits);
  }

  private void addDaily(long epochDay, long credits) {
    if (epochDay == todayEpochDay) {
      addToday(credits);
      return;
    }
    long[] past = pastDays;
    if (epochDay > todayEpochDay) {
      if (todayEpochDay != Long.MIN_VALUE) {
        past = past == null ? new long[2] : Arrays.copyOf(past, past.length + 2);
        past[past.length - 2] = todayEpochDay;
        past[past.length - 1] = todayTotal;
        pastDays = past;
      }
      todayEpochDay = epochDay;
      todayTotal = 0;
      addToday(credits);
      return;
    }
    past = DayPairs.withDay(past, epochDay);
    pastDays = past;
    int i = DayPairs.totalOf(past, epochDay);
    past[i] = saturated(past[i] + credits);
  }

  private void addToday(long credits) {
    todayTotal = saturated(todayTotal + credits);
  }

  private static long saturated(long total) {
    return Math.min(Requirements.MAX_CREDITS, Math.max(0, total));
  }

  private @Nullable Counter find(WindowSlot slot) {
    for (Counter c = windows; c != null; c = c.next) {
      if (c.start == slot.start() && c.policy.equals(slot.policy())) {
        return c;
      }
    }
    return null;
  }

  private Counter counter(WindowSlot slot, long now) {
    Counter c = find(slot);
    if (c != null) {
      keep(c, slot);
      return c;
    }
    pruneWindows(slot.policy(), now - WINDOW_GRACE_MILLIS);
    Counter created = new Counter(slot.policy(), slot.start(), slot.end(), windows);
    windows = created;
    extend(created.end + WINDOW_GRACE_MILLIS);
    return created;
  }

  /** Drops the counters (of {@code policy}, or of every policy if null) whose window ended at or before {@code before}. */
  private void pruneWindows(@Nullable String policy, long before) {
    Counter kept = null;
    for (Counter c = windows; c != null; c = c.next) {
      boolean drop = c.end <= before && (policy == null || policy.equals(c.policy));
      if (drop) {
        if (kept == null) {
          windows = c.next;
        } else {
          kept.next = c.next;
        }
      } else {
        kept = c;
      }
    }
  }

  /**
   * Keeps a counter until the end of the window it is asked for: a plan change may have made the window
   * with the counter's policy and start end later (re-anchoring, a longer duration).
   */
  private void keep(Counter c, WindowSlot slot) {
    if (slot.end() > c.end) {
      c.end = slot.end();
      extend(c.end + WINDOW_GRACE_MILLIS);
    }
  }

  private void extend(long until) {
    if (until > expiresAt) {
      expiresAt = until;
    }
  }

  /** One window's count, keyed by policy and start, in the client's list of windows. */
  private static final class Counter {
    final String policy;
    final long start;
    long end;
    long used;
    @Nullable Counter next;

    Counter(String policy, long start, long end, @Nullable Counter next) {
      this.policy = policy;
      this.start = start;
      this.end = end;
      this.next = next;
    }
  }

  /** What only clients that use idempotency keys or reservations keep. */
  private static final class Holds {
    @Nullable HashMap<String, Outcome> outcomes;
    @Nullable HashMap<String, Held> reservations;
    long nextReservationExpiry = Long.MAX_VALUE;
  }

  private record Outcome(@Nullable String reservationId, long expiresAt) {}

  private record Held(List<WindowSlot> slots, long credits, long epochDay, long expiresAt,
      @Nullable String idempotencyKey, @Nullable String operation) {}
}
