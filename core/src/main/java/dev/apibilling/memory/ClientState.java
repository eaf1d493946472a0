package dev.apibilling.memory;

import dev.apibilling.Requirements;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.WindowSlot;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Everything the in-memory store keeps for one client. Not thread safe: callers hold its monitor.
 * Expired entries are dropped lazily, judged by the {@code now} of the calls.
 */
final class ClientState {

  /**
   * How long a window's count outlives its end: a caller that read the clock just before the end may reach
   * the store after another caller past it, and must find the count, not a fresh zero.
   */
  static final long WINDOW_GRACE_MILLIS = 60_000;

  /** Set (under the monitor) when the cache dropped this state; a caller holding it must retry. */
  boolean removed;

  /** When everything in this state has expired, epoch milliseconds. */
  volatile long expiresAt;

  private final HashMap<String, Counter> windows = new HashMap<>(4);
  private @Nullable HashMap<String, Outcome> outcomes;
  private @Nullable HashMap<String, Held> reservations;
  private long nextReservationExpiry = Long.MAX_VALUE;
  private @Nullable TreeMap<Long, long[]> daily;
  private final long historyRetentionMillis;

  // The hot path's shortcuts: the counters of the last windows charged (valid while the caller passes the
  // same window list, which a billing reuses until a window ends) and today's total.
  private @Nullable List<WindowSlot> lastSlots;
  private Counter @Nullable [] lastCounters;
  private long todayEpochDay = Long.MIN_VALUE;
  private long @Nullable [] todayTotal;

  ClientState(long historyRetentionMillis) {
    this.historyRetentionMillis = historyRetentionMillis;
  }

  ChargeResult charge(ChargeRequest request) {
    long now = request.now();
    if (now >= nextReservationExpiry) {
      expireReservations(now);
    }
    String key = request.idempotencyKey();
    List<WindowSlot> slots = request.windows();
    if (key != null && outcomes != null) {
      Outcome o = outcomes.get(key);
      if (o != null) {
        if (o.expiresAt > now) {
          return replay(o, slots, now);
        }
        outcomes.remove(key);
      }
    }
    int n = slots.size();
    Counter[] counters = lastCounters;
    if (slots != lastSlots || counters == null) {
      counters = new Counter[n];
      for (int i = 0; i < n; i++) {
        counters[i] = counter(slots.get(i), now);
      }
      lastSlots = slots;
      lastCounters = counters;
    }
    long[] used = new long[n];
    for (int i = 0; i < n; i++) {
      used[i] = counters[i].used;
    }
    if (!request.admits(used)) {
      return ChargeResult.of(false, used, null);
    }
    if (request.mode() == ChargeMode.CHECK) {
      return ChargeResult.of(true, used, null);
    }
    long credits = request.credits();
    for (int i = 0; i < n; i++) {
      counters[i].used = Math.min(Requirements.MAX_CREDITS, counters[i].used + credits);
      used[i] = counters[i].used;
    }
    addDaily(request.epochDay(), credits);
    String reservationId = null;
    if (request.mode() == ChargeMode.RESERVE) {
      reservationId = request.reservationId();
      if (reservations == null) {
        reservations = new HashMap<>(4);
      }
      reservations.put(reservationId,
          new Held(slots, credits, request.epochDay(), request.reservationExpiresAt(), key));
      nextReservationExpiry = Math.min(nextReservationExpiry, request.reservationExpiresAt());
      extend(request.reservationExpiresAt());
    }
    if (key != null) {
      if (outcomes == null) {
        outcomes = new HashMap<>(4);
      }
      outcomes.put(key, new Outcome(reservationId, request.idempotencyExpiresAt()));
      extend(request.idempotencyExpiresAt());
    }
    return ChargeResult.of(true, used, reservationId);
  }

  /** A recorded outcome replayed: the counts of the request's windows now, and what its reservation holds. */
  private ChargeResult replay(Outcome o, List<WindowSlot> slots, long now) {
    long[] used = usage(slots, now);
    String reservationId = o.reservationId;
    Held held = reservationId == null || reservations == null ? null : reservations.get(reservationId);
    return ChargeResult.replay(used, reservationId, held == null ? 0 : held.credits,
        held == null ? now : held.expiresAt);
  }

  boolean settle(SettleRequest request) {
    if (reservations == null) {
      return false;
    }
    if (request.now() >= nextReservationExpiry) {
      expireReservations(request.now());
    }
    Held held = reservations.remove(request.reservationId());
    if (held == null) {
      return false;
    }
    if (request.actualCredits() > held.credits) {
      reservations.put(request.reservationId(), held);
      throw new IllegalArgumentException("actual credits must be <= the " + held.credits
          + " reserved but was " + request.actualCredits());
    }
    giveBack(held, held.credits - request.actualCredits(), request.now());
    if (request.actualCredits() == 0) {
      forgetOutcome(held, request.reservationId());
    }
    return true;
  }

  long[] usage(List<WindowSlot> slots, long now) {
    if (now >= nextReservationExpiry) {
      expireReservations(now);
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

  Map<Long, Long> history(long from, long to) {
    Map<Long, Long> result = new TreeMap<>();
    if (daily != null) {
      for (Map.Entry<Long, long[]> e : daily.subMap(from, true, to, true).entrySet()) {
        if (e.getValue()[0] != 0) {
          result.put(e.getKey(), e.getValue()[0]);
        }
      }
    }
    return result;
  }

  long deleteHistory(long from, long to) {
    if (daily == null) {
      return 0;
    }
    Map<Long, long[]> range = daily.subMap(from, true, to, true);
    long days = range.values().stream().filter(t -> t[0] != 0).count();
    range.clear();
    todayTotal = null;
    todayEpochDay = Long.MIN_VALUE;
    return days;
  }

  /** Drops expired entries; returns whether nothing is left that has not expired. */
  boolean sweep(long now) {
    lastSlots = null;
    lastCounters = null;
    todayTotal = null;
    todayEpochDay = Long.MIN_VALUE;
    if (now >= nextReservationExpiry) {
      expireReservations(now);
    }
    for (Iterator<Map.Entry<String, Counter>> it = windows.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Counter> e = it.next();
      Counter pruned = e.getValue().prune(now - WINDOW_GRACE_MILLIS);
      if (pruned == null) {
        it.remove();
      } else {
        e.setValue(pruned);
      }
    }
    if (outcomes != null) {
      outcomes.values().removeIf(o -> o.expiresAt <= now);
    }
    if (daily != null) {
      long oldestKept = Math.floorDiv(now - historyRetentionMillis, 86_400_000L);
      daily.headMap(oldestKept).clear();
    }
    return expiresAt <= now;
  }

  private void expireReservations(long now) {
    long next = Long.MAX_VALUE;
    if (reservations != null) {
      for (Iterator<Map.Entry<String, Held>> it = reservations.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, Held> e = it.next();
        Held h = e.getValue();
        if (h.expiresAt <= now) {
          it.remove();
          giveBack(h, h.credits, now);
          forgetOutcome(h, e.getKey());
        } else {
          next = Math.min(next, h.expiresAt);
        }
      }
    }
    nextReservationExpiry = next;
  }

  /** A reservation given back in full was never charged: a retry under its key must be charged again. */
  private void forgetOutcome(Held held, String reservationId) {
    String key = held.idempotencyKey;
    if (key != null && outcomes != null) {
      Outcome o = outcomes.get(key);
      if (o != null && reservationId.equals(o.reservationId)) {
        outcomes.remove(key);
      }
    }
  }

  private void giveBack(Held held, long credits, long now) {
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
  }

  private void addDaily(long epochDay, long credits) {
    long[] total = todayTotal;
    if (epochDay != todayEpochDay || total == null) {
      if (daily == null) {
        daily = new TreeMap<>();
      }
      total = daily.computeIfAbsent(epochDay, d -> new long[1]);
      extend((epochDay + 1) * 86_400_000L + historyRetentionMillis);
      if (epochDay >= todayEpochDay) {
        todayEpochDay = epochDay;
        todayTotal = total;
      }
    }
    total[0] = Math.min(Requirements.MAX_CREDITS, Math.max(0, total[0] + credits));
  }

  private @Nullable Counter find(WindowSlot slot) {
    for (Counter c = windows.get(slot.policy()); c != null; c = c.older) {
      if (c.start == slot.start()) {
        return c;
      }
    }
    return null;
  }

  private Counter counter(WindowSlot slot, long now) {
    Counter head = windows.get(slot.policy());
    for (Counter c = head; c != null; c = c.older) {
      if (c.start == slot.start()) {
        keep(c, slot);
        return c;
      }
    }
    Counter created = new Counter(slot.start(), slot.end(), head == null ? null : head.prune(now - WINDOW_GRACE_MILLIS));
    windows.put(slot.policy(), created);
    extend(created.end + WINDOW_GRACE_MILLIS);
    return created;
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

  /** One window's count; older windows of the same policy are chained until they end. */
  private static final class Counter {
    final long start;
    long end;
    long used;
    @Nullable Counter older;

    Counter(long start, long end, @Nullable Counter older) {
      this.start = start;
      this.end = end;
      this.older = older;
    }

    /** This chain without the windows that ended at or before {@code now}; null if none is left. */
    @Nullable Counter prune(long now) {
      Counter head = this;
      while (head != null && head.end <= now) {
        head = head.older;
      }
      for (Counter c = head; c != null; c = c.older) {
        while (c.older != null && c.older.end <= now) {
          c.older = c.older.older;
        }
      }
      return head;
    }
  }

  private record Outcome(@Nullable String reservationId, long expiresAt) {}

  private record Held(
      List<WindowSlot> slots, long credits, long epochDay, long expiresAt, @Nullable String idempotencyKey) {}
}
