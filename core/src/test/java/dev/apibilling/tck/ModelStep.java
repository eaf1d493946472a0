package dev.apibilling.tck;

import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.tck.ReferenceModel.Kind;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One step of a model-based run, as plain data (so a failing run can be shrunk by dropping steps and
 * printed): which of the two billings acts, and on what. Values that depend on the state when the step
 * runs (which quota, which reservation) are picked from it with the step's selector.
 */
sealed interface ModelStep {

  /** A charge of some kind on billing {@code on}: track, check, keyed charge or reservation. */
  record Spend(int on, Kind kind, long credits, @Nullable String key) implements ModelStep {}

  /** Commits {@code percent} of a reservation a decision returned (0: releases it). */
  record Settle(int on, int which, int percent) implements ModelStep {}

  /** Moves the clock forward, then lets the store's housekeeping run. */
  record Advance(long millis) implements ModelStep {}

  /** Moves the clock to the end of a quota's current window plus {@code offset} milliseconds, then lets the store's housekeeping run. */
  record ToWindowEnd(int which, long offset) implements ModelStep {}

  /** Changes the plan of both billings: one quota's limit, anchor, zone or duration, or a new plan. */
  record Replan(Change change, int which, int pick) implements ModelStep {}

  /** Sets the plan of both billings to {@code quotas}. */
  record SetPlan(List<QuotaDefinition> quotas) implements ModelStep {}

  /** Reads the status. */
  record Status(int on) implements ModelStep {}

  /** Reads the daily history of the last weeks. */
  record History(int on) implements ModelStep {}

  /** Deletes some of the last weeks' daily totals. */
  record DeleteUsage(int on, int fromDaysAgo, int days) implements ModelStep {}

  /** The store's own housekeeping (a sweep, a purge) at the current time. */
  record Housekeeping() implements ModelStep {}

  /**
   * How a replan changes the plan; {@code KEEP_START} gives a quota another duration or anchor under which
   * its current window keeps its start but ends elsewhere (the case where a plan change keeps usage longer).
   */
  enum Change { NEW_PLAN, LIMIT, ANCHOR, ZONE, DURATION, KEEP_START }

  /**
   * Where a run starts: month ends, daylight-saving changes, a year end, a leap day, and the first seconds
   * of a month and of a year (where windows of several durations share their start).
   */
  List<Instant> STARTS = List.of(Instant.parse("2027-02-28T12:00:00Z"), Instant.parse("2027-03-27T23:30:00Z"),
      Instant.parse("2026-10-31T23:00:00Z"), Instant.parse("2027-12-31T23:59:00Z"),
      Instant.parse("2028-02-28T22:00:00Z"), Instant.parse("2026-03-10T10:15:30Z"),
      Instant.parse("2027-03-01T00:00:20Z"), Instant.parse("2028-01-01T00:00:10Z"));

  List<QuotaDuration> DURATIONS = List.of(QuotaDuration.SECOND, QuotaDuration.MINUTE, QuotaDuration.HOUR,
      QuotaDuration.DAY, QuotaDuration.WEEK, QuotaDuration.MONTH, QuotaDuration.YEAR);
  List<Long> LIMITS = List.of(0L, 3L, 10L, 10L, 25L, 100L, QuotaDefinition.UNLIMITED);
  List<LocalDate> ANCHORS = List.of(QuotaDefinition.DEFAULT_ANCHOR, LocalDate.of(2027, 1, 28),
      LocalDate.of(2027, 1, 31), LocalDate.of(2030, 5, 31), LocalDate.of(2024, 2, 29), LocalDate.of(2027, 3, 28));
  List<ZoneId> ZONES = List.of(ZoneId.of("UTC"), ZoneId.of("Europe/London"), ZoneId.of("America/New_York"),
      ZoneId.of("Asia/Kolkata"), ZoneId.of("Australia/Lord_Howe"), ZoneId.of("Pacific/Apia"));
  List<String> NAMES = List.of("burst", "main");
  List<Long> CREDITS = List.of(1L, 1L, 1L, 2L, 3L, 5L, 8L, 13L, ReferenceModel.MAX);
  List<String> KEYS = List.of("k1", "k2", "k3");
  List<Long> ADVANCES = List.of(1_000L, 30_000L, 59_999L, 60_000L, 420_000L, 600_000L, 3_600_000L,
      18_000_000L, 86_400_000L, 3 * 86_400_000L, 9 * 86_400_000L, 29 * 86_400_000L, 32 * 86_400_000L);

  /** A random step. */
  static ModelStep random(Random r) {
    int on = r.nextInt(2);
    int roll = r.nextInt(100);
    if (roll < 34) {
      Kind kind = Kind.values()[r.nextInt(Kind.values().length)];
      String key = kind == Kind.CHARGE || (kind == Kind.RESERVE && r.nextBoolean()) ? pick(r, KEYS) : null;
      return new Spend(on, kind, pick(r, CREDITS), key);
    }
    if (roll < 42) {
      return new Settle(on, r.nextInt(1000), new int[] {0, 0, 50, 100}[r.nextInt(4)]);
    }
    if (roll < 54) {
      return new Advance(pick(r, ADVANCES));
    }
    if (roll < 64) {
      return new ToWindowEnd(r.nextInt(1000), r.nextInt(3) - 1);
    }
    if (roll < 78) {
      Change change = r.nextInt(3) == 0 ? Change.KEEP_START : Change.values()[r.nextInt(Change.values().length)];
      return new Replan(change, r.nextInt(1000), r.nextInt());
    }
    if (roll < 90) {
      return new Status(on);
    }
    if (roll < 94) {
      return new History(on);
    }
    if (roll < 96) {
      return new DeleteUsage(on, r.nextInt(16), r.nextInt(6));
    }
    return new Housekeeping();
  }

  /** A random plan of one to three quotas with distinct names. */
  static List<QuotaDefinition> plan(Random r) {
    int n = 1 + r.nextInt(3);
    List<QuotaDefinition> quotas = new ArrayList<>();
    Set<String> names = new HashSet<>();
    while (quotas.size() < n) {
      QuotaDefinition q = quota(r);
      if (names.add(q.policy())) {
        quotas.add(q);
      }
    }
    return quotas;
  }

  private static QuotaDefinition quota(Random r) {
    QuotaDuration d = pick(r, DURATIONS);
    long limit = pick(r, LIMITS);
    QuotaDefinition q = limit == QuotaDefinition.UNLIMITED ? QuotaDefinition.unlimited(d) : QuotaDefinition.of(d, limit);
    if (r.nextInt(3) == 0) {
      q = q.named(pick(r, NAMES));
    }
    if (r.nextBoolean()) {
      q = q.anchoredAt(pick(r, ANCHORS));
    }
    if (r.nextBoolean()) {
      q = q.inZone(pick(r, ZONES));
    }
    return q;
  }

  /** The plan after {@code step} at {@code now}. */
  static List<QuotaDefinition> replan(List<QuotaDefinition> plan, Replan step, long now) {
    Random r = new Random(step.pick());
    if (step.change() == Change.NEW_PLAN) {
      return plan(r);
    }
    List<QuotaDefinition> next = new ArrayList<>(plan);
    int i = step.which() % plan.size();
    QuotaDefinition q = plan.get(i);
    next.set(i, switch (step.change()) {
      case LIMIT -> q.withLimit(pick(r, LIMITS));
      case ANCHOR -> q.anchoredAt(pick(r, ANCHORS));
      case ZONE -> q.inZone(pick(r, ZONES));
      case DURATION -> new QuotaDefinition(q.policy(), pick(r, DURATIONS), q.limit(), q.anchor(), q.zone());
      default -> keepingStart(q, r, now);
    });
    return next;
  }

  private static QuotaDefinition keepingStart(QuotaDefinition q, Random r, long now) {
    long[] current = ReferenceModel.window(q, now);
    List<QuotaDefinition> same = new ArrayList<>();
    for (QuotaDuration d : DURATIONS) {
      for (LocalDate anchor : ANCHORS) {
        QuotaDefinition other = new QuotaDefinition(q.policy(), d, q.limit(), anchor, q.zone());
        long[] bounds = ReferenceModel.window(other, now);
        if (bounds[0] == current[0] && bounds[1] != current[1]) {
          same.add(other);
        }
      }
    }
    return same.isEmpty() ? q.withLimit(pick(r, LIMITS)) : pick(r, same);
  }

  private static <T> T pick(Random r, List<T> values) {
    return values.get(r.nextInt(values.size()));
  }
}
