package dev.apibilling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Window arithmetic holds for any anchor, zone and instant, across month ends, leap years and DST. */
final class WindowsPropertiesTest {

  private static final List<String> ZONES = List.of("UTC", "Europe/Berlin", "America/New_York",
      "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns",
      "Africa/Casablanca", "Pacific/Apia");

  @Provide
  Arbitrary<ZoneId> zones() {
    return Arbitraries.of(ZONES).map(ZoneId::of);
  }

  @Provide
  Arbitrary<LocalDate> anchors() {
    return Arbitraries.longs()
        .between(LocalDate.of(1990, 1, 1).toEpochDay(), LocalDate.of(2060, 12, 31).toEpochDay())
        .map(LocalDate::ofEpochDay);
  }

  @Provide
  Arbitrary<Long> instants() {
    return Arbitraries.longs().between(Instant.parse("2000-01-01T00:00:00Z").toEpochMilli(),
        Instant.parse("2050-01-01T00:00:00Z").toEpochMilli());
  }

  @Property(tries = 3000)
  void windowContainsNowAndAdjoinsItsNeighbours(@ForAll QuotaDuration duration,
      @ForAll("anchors") LocalDate anchor, @ForAll("zones") ZoneId zone, @ForAll("instants") long now) {
    QuotaDefinition q = QuotaDefinition.of(duration, 10).anchoredAt(anchor).inZone(zone);
    long[] w = Windows.bounds(q, now);
    assertThat(w[0]).isLessThanOrEqualTo(now);
    assertThat(w[1]).isGreaterThan(now);
    assertThat(Windows.bounds(q, w[1])[0]).isEqualTo(w[1]);
    assertThat(Windows.bounds(q, w[0] - 1)[1]).isEqualTo(w[0]);
    assertThat(Windows.bounds(q, w[1] - 1)).containsExactly(w);
  }

  @Property(tries = 3000)
  void calendarWindowsStartAtLocalMidnightOnTheAnchorsDayClampedToTheMonthEnd(
      @ForAll("anchors") LocalDate anchor, @ForAll("zones") ZoneId zone, @ForAll("instants") long now) {
    QuotaDefinition month = QuotaDefinition.of(QuotaDuration.MONTH, 10).anchoredAt(anchor).inZone(zone);
    long[] w = Windows.bounds(month, now);
    LocalDate startDate = startDate(w[0], zone);
    assertThat(startDate.atStartOfDay(zone).toInstant().toEpochMilli()).isEqualTo(w[0]);
    assertThat(startDate.getDayOfMonth())
        .isEqualTo(Math.min(anchor.getDayOfMonth(), startDate.lengthOfMonth()));
    Duration length = Duration.ofMillis(w[1] - w[0]);
    assertThat(length).isBetween(Duration.ofDays(28).minusHours(3), Duration.ofDays(31).plusHours(3));
  }

  @Property(tries = 2000)
  void yearlyWindowsKeepTheAnchorsMonthAndDayClamped(
      @ForAll("anchors") LocalDate anchor, @ForAll("zones") ZoneId zone, @ForAll("instants") long now) {
    QuotaDefinition year = QuotaDefinition.of(QuotaDuration.YEAR, 10).anchoredAt(anchor).inZone(zone);
    LocalDate start = startDate(Windows.bounds(year, now)[0], zone);
    assertThat(start.getMonth()).isEqualTo(anchor.getMonth());
    assertThat(start.getDayOfMonth()).isEqualTo(Math.min(anchor.getDayOfMonth(), start.lengthOfMonth()));
  }

  /**
   * The date a window starting at {@code start} starts on: the first instant of that date. When the date
   * was skipped by its zone (Apia left out 2011-12-30) the first instant lies on the next date, so this
   * looks one day back too.
   */
  private static LocalDate startDate(long start, ZoneId zone) {
    LocalDate local = Instant.ofEpochMilli(start).atZone(zone).toLocalDate();
    return local.minusDays(1).atStartOfDay(zone).toInstant().toEpochMilli() == start ? local.minusDays(1) : local;
  }

  @Property(tries = 2000)
  void daysAndWeeksFollowLocalMidnights(@ForAll("anchors") LocalDate anchor, @ForAll("zones") ZoneId zone,
      @ForAll("instants") long now) {
    QuotaDefinition day = QuotaDefinition.of(QuotaDuration.DAY, 10).inZone(zone);
    long[] d = Windows.bounds(day, now);
    LocalDate today = Instant.ofEpochMilli(now).atZone(zone).toLocalDate();
    assertThat(d[0]).isEqualTo(today.atStartOfDay(zone).toInstant().toEpochMilli());
    QuotaDefinition week = QuotaDefinition.of(QuotaDuration.WEEK, 10).anchoredAt(anchor).inZone(zone);
    LocalDate weekStart = startDate(Windows.bounds(week, now)[0], zone);
    assertThat(weekStart.getDayOfWeek()).isEqualTo(anchor.getDayOfWeek());
    assertThat(today.toEpochDay() - weekStart.toEpochDay()).isBetween(0L, 6L);
  }
}
