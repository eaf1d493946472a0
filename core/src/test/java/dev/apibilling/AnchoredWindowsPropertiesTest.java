package dev.apibilling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.LongFunction;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Windows of quotas anchored at a date, a local date-time or an instant are exactly the windows
 * java.time computes: window k starts at {@code anchor.atZone(zone).plus(k units)} (at the start of the
 * day {@code date.plus(k units)} for a date anchor). The expected window is found by a search over k
 * that shares nothing with {@link Windows} but java.time.
 */
final class AnchoredWindowsPropertiesTest {

  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  /** Skipped in Berlin: clocks jump from 02:00 to 03:00. */
  private static final LocalDateTime IN_GAP = LocalDateTime.of(2026, 3, 29, 2, 30);
  /** Lived twice in Berlin: clocks fall back from 03:00 to 02:00. */
  private static final LocalDateTime IN_OVERLAP = LocalDateTime.of(2026, 10, 25, 2, 30);

  private static final List<String> ZONES = List.of("UTC", "Europe/Berlin", "America/New_York",
      "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns",
      "Africa/Casablanca", "Pacific/Apia", "America/Havana", "Asia/Beirut");

  /** How a quota is anchored in a case. */
  enum Kind { DATE, LOCAL, INSTANT }

  record Case(QuotaDuration duration, Kind kind, LocalDateTime local, Instant instant, ZoneId zone, long now) {

    QuotaDefinition quota() {
      QuotaDefinition q = QuotaDefinition.of(duration, 10);
      q = switch (kind) {
        case DATE -> q.anchoredAt(local.toLocalDate());
        case LOCAL -> q.anchoredAt(local);
        case INSTANT -> q.anchoredAt(instant);
      };
      return q.inZone(zone);
    }

    /** The start of window k as java.time computes it. */
    long start(long k) {
      ChronoUnit unit = unit(duration);
      LocalDate date = local.toLocalDate();
      boolean dayStarts = kind == Kind.DATE || kind == Kind.LOCAL && local.toLocalTime().equals(LocalTime.MIDNIGHT);
      ZonedDateTime start;
      if (dayStarts) {
        start = unit.isTimeBased() ? date.atStartOfDay(zone).plus(k, unit) : date.plus(k, unit).atStartOfDay(zone);
      } else {
        start = (kind == Kind.LOCAL ? local.atZone(zone) : instant.atZone(zone)).plus(k, unit);
      }
      return start.toInstant().toEpochMilli();
    }
  }

  @Provide
  Arbitrary<ZoneId> zones() {
    return Arbitraries.of(ZONES).map(ZoneId::of);
  }

  @Provide
  Arbitrary<Long> instants() {
    return Arbitraries.longs().between(Instant.parse("1995-01-01T00:00:00Z").toEpochMilli(),
        Instant.parse("2055-01-01T00:00:00Z").toEpochMilli());
  }

  @Provide
  Arbitrary<LocalDateTime> localAnchors() {
    Arbitrary<LocalDate> anyDay = Arbitraries.longs()
        .between(LocalDate.of(1990, 1, 1).toEpochDay(), LocalDate.of(2060, 12, 31).toEpochDay())
        .map(LocalDate::ofEpochDay);
    Arbitrary<LocalDate> monthEnd = Combinators.combine(
            Arbitraries.integers().between(1990, 2060), Arbitraries.integers().between(1, 12),
            Arbitraries.integers().between(28, 31))
        .as((y, m, d) -> LocalDate.of(y, m, Math.min(d, LocalDate.of(y, m, 1).lengthOfMonth())));
    Arbitrary<LocalTime> time = Arbitraries.oneOf(
        Arbitraries.integers().between(0, 86_399).map(LocalTime::ofSecondOfDay),
        // the small hours, where daylight-saving changes happen
        Arbitraries.integers().between(0, 4 * 60 - 1).map(m -> LocalTime.of(m / 60, m % 60)),
        Arbitraries.of(LocalTime.MIDNIGHT, LocalTime.of(9, 30), LocalTime.of(23, 59, 59)));
    return Arbitraries.frequencyOf(
        Tuple.of(5, Combinators.combine(anyDay, time).as(LocalDate::atTime)),
        Tuple.of(3, Combinators.combine(monthEnd, time).as(LocalDate::atTime)),
        Tuple.of(1, Arbitraries.of(IN_GAP, IN_OVERLAP)));
  }

  @Provide
  Arbitrary<Case> cases() {
    return Combinators.combine(Arbitraries.of(QuotaDuration.class), Arbitraries.of(Kind.class),
            localAnchors(), instants().map(Instant::ofEpochMilli), zones(), instants())
        .as(Case::new);
  }

  @Property(tries = 4000)
  void windowOfNowIsTheOneJavaTimeComputesFromTheAnchor(@ForAll("cases") Case c) {
    long[] expected = expectedWindow(c::start, c.now());
    assertThat(Windows.bounds(c.quota(), c.now())).containsExactly(expected);
  }

  @Property(tries = 1000)
  void windowsTileTimeWithoutGapsOrOverlaps(@ForAll("cases") Case c) {
    QuotaDefinition q = c.quota();
    long[] w = Windows.bounds(q, c.now());
    for (int i = 0; i < 40; i++) {
      assertThat(w[0]).isLessThan(w[1]);
      assertThat(Windows.bounds(q, w[1] - 1)).containsExactly(w);
      assertThat(Windows.bounds(q, w[0] - 1)[1]).isEqualTo(w[0]);
      long[] next = Windows.bounds(q, w[1]);
      assertThat(next[0]).isEqualTo(w[1]);
      w = next;
    }
  }

  @Property(tries = 1500)
  void anchorSkippedByADaylightSavingGapMovesForwardAsZonedDateTimeDoes(
      @ForAll QuotaDuration duration, @ForAll("instants") long now) {
    Case c = new Case(duration, Kind.LOCAL, IN_GAP, Instant.EPOCH, BERLIN, now);
    assertThat(Windows.bounds(c.quota(), now)).containsExactly(expectedWindow(c::start, now));
    assertThat(c.quota().anchorStart().toLocalTime()).isEqualTo(LocalTime.of(3, 30));
  }

  @Property(tries = 1500)
  void anchorInADaylightSavingOverlapTakesTheEarlierOffsetUnlessItIsAnInstant(
      @ForAll QuotaDuration duration, @ForAll("instants") long now, @ForAll boolean later) {
    ZonedDateTime first = IN_OVERLAP.atZone(BERLIN);
    ZonedDateTime anchor = later ? first.withLaterOffsetAtOverlap() : first;
    Case local = new Case(duration, Kind.LOCAL, IN_OVERLAP, Instant.EPOCH, BERLIN, now);
    Case instant = new Case(duration, Kind.INSTANT, IN_OVERLAP, anchor.toInstant(), BERLIN, now);
    assertThat(Windows.bounds(local.quota(), now)).containsExactly(expectedWindow(local::start, now));
    assertThat(Windows.bounds(instant.quota(), now)).containsExactly(expectedWindow(instant::start, now));
    assertThat(local.quota().anchorStart()).isEqualTo(first);
    assertThat(instant.quota().anchorStart()).isEqualTo(anchor);
  }

  /** The window {@code [start(k), start(k + 1))} with the largest k whose start is not after now. */
  static long[] expectedWindow(LongFunction<Long> start, long now) {
    long lo = -1;
    while (start.apply(lo) > now) {
      lo *= 2;
    }
    long hi = 1;
    while (start.apply(hi) <= now) {
      hi *= 2;
    }
    while (hi - lo > 1) { // start(lo) <= now < start(hi)
      long mid = lo + (hi - lo) / 2;
      if (start.apply(mid) <= now) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return new long[] {start.apply(lo), start.apply(lo + 1)};
  }

  static ChronoUnit unit(QuotaDuration duration) {
    return switch (duration) {
      case SECOND -> ChronoUnit.SECONDS;
      case MINUTE -> ChronoUnit.MINUTES;
      case HOUR -> ChronoUnit.HOURS;
      case DAY -> ChronoUnit.DAYS;
      case WEEK -> ChronoUnit.WEEKS;
      case MONTH -> ChronoUnit.MONTHS;
      case YEAR -> ChronoUnit.YEARS;
    };
  }
}
