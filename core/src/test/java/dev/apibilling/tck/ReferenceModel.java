package dev.apibilling.tck;

import dev.apibilling.QuotaDefinition;
import dev.apibilling.Requirements;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What a client's usage should be, kept apart from the library: its own window arithmetic, counts keyed by
 * policy and window start, idempotency records, reservations and daily totals, all plain maps. The
 * documented rules it encodes:
 *
 * <ul>
 *   <li>a count lives until the latest end of a window it was asked about (charges of any outcome, status,
 *       plan changes); a plan change keeps the count of a window that has the same policy and start and
 *       has not ended, until the new window's end;
 *   <li>a count whose window ended may be gone or still held (a store may keep it for a grace period):
 *       when a plan change makes its policy and start current again, either is right, and the first
 *       observation decides which ({@link #resolve});
 *   <li>a replay reports the current windows' counts and what its reservation still holds;
 *   <li>counts and daily totals saturate at {@link Requirements#MAX_CREDITS}.
 * </ul>
 */
final class ReferenceModel {

  static final long MAX = Requirements.MAX_CREDITS;

  /** A count's identity: policy and window start. */
  record Key(String policy, long start) {}

  /** One quota's current window. */
  record Slot(QuotaDefinition quota, Key key, long start, long end) {}

  record Outcome(@Nullable String reservationId, long expiresAt) {}

  record Held(long credits, List<Key> windows, long epochDay, long expiresAt, @Nullable String key) {}

  /** What a decision should say; {@code pending} is a new reservation to record under the store's id. */
  record Expected(boolean granted, boolean replayed, long[] used, @Nullable String reservationId,
      long heldCredits, long heldUntil, @Nullable Held pending, @Nullable String key, long keyExpiresAt) {}

  static final class Counter {
    long used;
    long end;

    Counter(long used, long end) {
      this.used = used;
      this.end = end;
    }
  }

  final Map<Key, Counter> counters = new HashMap<>();
  final Map<String, Outcome> outcomes = new HashMap<>();
  final Map<String, Held> reservations = new HashMap<>();
  final TreeMap<Long, Long> daily = new TreeMap<>();
  List<QuotaDefinition> plan;

  ReferenceModel(List<QuotaDefinition> plan) {
    this.plan = List.copyOf(plan);
  }

  // ---- windows, computed without the library's window arithmetic -------------------------------

  /** The bounds {@code [start, end)} of the window of {@code q} containing {@code now}. */
  static long[] window(QuotaDefinition q, long now) {
    if (!q.anchorTime().equals(java.time.LocalTime.MIDNIGHT) || q.anchorOffset() != null) {
      throw new IllegalArgumentException("the reference model knows date anchors only: " + q);
    }
    ZoneId zone = q.zone();
    long length = switch (q.duration()) {
      case SECOND -> 1_000L;
      case MINUTE -> 60_000L;
      case HOUR -> 3_600_000L;
      default -> 0L;
    };
    if (length > 0) {
      long origin = midnight(q.anchor(), zone);
      long k = Math.floorDiv(now - origin, length);
      return new long[] {origin + k * length, origin + (k + 1) * length};
    }
    LocalDate today = LocalDate.ofInstant(Instant.ofEpochMilli(now), zone);
    LocalDate anchor = q.anchor();
    LocalDate start;
    LocalDate end;
    switch (q.duration()) {
      case DAY -> {
        start = today;
        end = today.plusDays(1);
      }
      case WEEK -> {
        long k = Math.floorDiv(today.toEpochDay() - anchor.toEpochDay(), 7);
        start = anchor.plusDays(7 * k);
        end = anchor.plusDays(7 * (k + 1));
      }
      case MONTH -> {
        long k = 12L * (today.getYear() - anchor.getYear()) + today.getMonthValue() - anchor.getMonthValue() + 1;
        while (anchor.plusMonths(k).isAfter(today)) {
          k--;
        }
        start = anchor.plusMonths(k);
        end = anchor.plusMonths(k + 1);
      }
      default -> {
        long k = today.getYear() - anchor.getYear() + 1L;
        while (anchor.plusYears(k).isAfter(today)) {
          k--;
        }
        start = anchor.plusYears(k);
        end = anchor.plusYears(k + 1);
      }
    }
    return new long[] {midnight(start, zone), midnight(end, zone)};
  }

  private static long midnight(LocalDate date, ZoneId zone) {
    return date.atStartOfDay(zone).toInstant().toEpochMilli();
  }

  List<Slot> slots(long now) {
    List<Slot> slots = new ArrayList<>(plan.size());
    for (QuotaDefinition q : plan) {
      long[] b = window(q, now);
      slots.add(new Slot(q, new Key(q.policy(), b[0]), b[0], b[1]));
    }
    return slots;
  }

  // ---- rules ------------------------------------------------------------------------------------

  /** Gives back every reservation that expired at {@code now}, forgetting its outcome. */
  void expire(long now) {
    for (String id : List.copyOf(reservations.keySet())) {
      Held h = reservations.get(id);
      if (h.expiresAt <= now) {
        reservations.remove(id);
        giveBack(h, h.credits);
        forget(h, id);
      }
    }
  }

  /** Whether the store may hold the slot's count or not: the count's window ended and nothing kept it. */
  boolean uncertain(Slot s, long now) {
    Counter c = counters.get(s.key);
    return c != null && c.end <= now && c.used != 0;
  }

  /**
   * Learns from an observed count whether the store kept an uncertain count.
   *
   * @throws AssertionError if the observation is neither
   */
  void resolve(Slot s, long observed) {
    Counter c = counters.get(s.key);
    if (observed != 0 && observed != c.used) {
      throw new AssertionError("window " + s.key + " whose count (" + c.used + ") ended at "
          + Instant.ofEpochMilli(c.end) + " reads " + observed + ": neither kept nor gone");
    }
    if (observed == 0) {
      counters.put(s.key, new Counter(0, s.end));
    } else {
      c.end = Math.max(c.end, s.end);
    }
  }

  /** The current counts; every count asked about lives until its window's end. */
  long[] touch(List<Slot> slots, long now) {
    long[] used = new long[slots.size()];
    for (int i = 0; i < used.length; i++) {
      Slot s = slots.get(i);
      Counter c = counters.get(s.key);
      if (c == null) {
        continue;
      }
      if (c.end <= now) {
        if (c.used != 0) {
          throw new IllegalStateException("uncertain window " + s.key + " not resolved");
        }
        c.end = s.end;
      }
      c.end = Math.max(c.end, s.end);
      used[i] = c.used;
    }
    return used;
  }

  /** A plan change: the counts of the new windows that have not ended live until the new ends. */
  void replan(List<QuotaDefinition> quotas, long now) {
    plan = List.copyOf(quotas);
    for (Slot s : slots(now)) {
      Counter c = counters.get(s.key);
      if (c != null && c.end > now) {
        c.end = Math.max(c.end, s.end);
      }
    }
  }

  enum Kind { TRACK, CHECK, CHARGE, RESERVE }

  /** A decision on the current windows (uncertain ones resolved first). */
  Expected decide(Kind kind, long credits, @Nullable String key, long now, long epochDay, long keyTtl,
      long reservationTtl) {
    List<Slot> slots = slots(now);
    if (key != null) {
      Outcome o = outcomes.get(key);
      if (o != null && o.expiresAt > now) {
        long[] used = touch(slots, now);
        Held h = o.reservationId == null ? null : reservations.get(o.reservationId);
        return new Expected(true, true, used, o.reservationId, h == null ? 0 : h.credits,
            h == null ? now : h.expiresAt, null, null, 0);
      }
      outcomes.remove(key);
    }
    long[] used = touch(slots, now);
    boolean granted = true;
    for (int i = 0; i < used.length; i++) {
      long limit = slots.get(i).quota().limit();
      granted &= limit == QuotaDefinition.UNLIMITED || used[i] + credits <= limit;
    }
    if (!granted || kind == Kind.CHECK) {
      return new Expected(granted, false, used, null, 0, 0, null, null, 0);
    }
    List<Key> keys = new ArrayList<>();
    for (int i = 0; i < used.length; i++) {
      Slot s = slots.get(i);
      Counter c = counters.computeIfAbsent(s.key, k -> new Counter(0, s.end));
      c.used = Math.min(MAX, c.used + credits);
      c.end = Math.max(c.end, s.end);
      used[i] = c.used;
      keys.add(s.key);
    }
    daily.merge(epochDay, credits, (a, b) -> Math.min(MAX, a + b));
    Held pending = kind == Kind.RESERVE
        ? new Held(credits, List.copyOf(keys), epochDay, now + reservationTtl, key) : null;
    return new Expected(true, false, used, null, 0, 0, pending, key, now + keyTtl);
  }

  /** Records what a granted decision left behind, under the reservation id the store chose. */
  void recorded(Expected e, @Nullable String reservationId) {
    if (e.pending() != null) {
      reservations.put(reservationId, e.pending());
    }
    if (e.key() != null) {
      outcomes.put(e.key(), new Outcome(reservationId, e.keyExpiresAt()));
    }
  }

  boolean settle(String reservationId, long actual) {
    Held h = reservations.remove(reservationId);
    if (h == null) {
      return false;
    }
    giveBack(h, h.credits - actual);
    if (actual == 0) {
      forget(h, reservationId);
    }
    return true;
  }

  /** Daily totals of a range of days that are not zero. */
  TreeMap<Long, Long> days(long from, long to) {
    TreeMap<Long, Long> result = new TreeMap<>();
    daily.subMap(from, true, to, true).forEach((d, c) -> {
      if (c != 0) {
        result.put(d, c);
      }
    });
    return result;
  }

  long deleteDays(long from, long to) {
    long n = days(from, to).size();
    daily.subMap(from, true, to, true).clear();
    return n;
  }

  private void giveBack(Held h, long credits) {
    if (credits == 0) {
      return;
    }
    for (Key k : h.windows) {
      Counter c = counters.get(k);
      if (c != null) {
        c.used = Math.max(0, c.used - credits);
      }
    }
    daily.computeIfPresent(h.epochDay, (d, t) -> Math.max(0, t - credits));
  }

  private void forget(Held h, String reservationId) {
    if (h.key != null) {
      Outcome o = outcomes.get(h.key);
      if (o != null && reservationId.equals(o.reservationId)) {
        outcomes.remove(h.key);
      }
    }
  }
}
