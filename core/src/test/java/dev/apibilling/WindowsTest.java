package dev.apibilling;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.HOUR;
import static dev.apibilling.QuotaDuration.MINUTE;
import static dev.apibilling.QuotaDuration.MONTH;
import static dev.apibilling.QuotaDuration.SECOND;
import static dev.apibilling.QuotaDuration.WEEK;
import static dev.apibilling.QuotaDuration.YEAR;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.LocalTime;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

final class WindowsTest {

  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private static Instant[] window(QuotaDefinition q, String now) {
    long[] b = Windows.bounds(q, Instant.parse(now).toEpochMilli());
    return new Instant[] {Instant.ofEpochMilli(b[0]), Instant.ofEpochMilli(b[1])};
  }

  private static Instant utc(String localDateTime) {
    return LocalDateTime.parse(localDateTime).toInstant(java.time.ZoneOffset.UTC);
  }

  @Test
  void monthlyQuotaAnchoredOn31stRenewsOnLastDayOfFebruaryThenReturnsTo31st() {
    QuotaDefinition q = QuotaDefinition.of(MONTH, 100).anchoredAt(LocalDate.of(2028, 1, 31));
    assertThat(window(q, "2028-02-15T12:00:00Z"))
        .containsExactly(utc("2028-01-31T00:00"), utc("2028-02-29T00:00"));
    assertThat(window(q, "2028-02-29T00:00:00Z"))
        .containsExactly(utc("2028-02-29T00:00"), utc("2028-03-31T00:00"));
    assertThat(window(q, "2028-03-31T00:00:00Z"))
        .containsExactly(utc("2028-03-31T00:00"), utc("2028-04-30T00:00"));
    assertThat(window(q, "2029-02-28T10:00:00Z"))
        .containsExactly(utc("2029-02-28T00:00"), utc("2029-03-31T00:00"));
  }

  @Test
  void monthlyQuotaRenewsAtLocalMidnightOfItsZone() {
    QuotaDefinition q = QuotaDefinition.of(MONTH, 100).anchoredAt(LocalDate.of(2026, 1, 15)).inZone(BERLIN);
    assertThat(window(q, "2026-07-14T21:59:59Z"))
        .containsExactly(Instant.parse("2026-06-14T22:00:00Z"), Instant.parse("2026-07-14T22:00:00Z"));
    assertThat(window(q, "2026-07-14T22:00:00Z")[0]).isEqualTo(Instant.parse("2026-07-14T22:00:00Z"));
  }

  @Test
  void yearlyQuotaAnchoredOnFebruary29RenewsOnFebruary28InCommonYears() {
    QuotaDefinition q = QuotaDefinition.of(YEAR, 100).anchoredAt(LocalDate.of(2024, 2, 29));
    assertThat(window(q, "2025-06-01T00:00:00Z"))
        .containsExactly(utc("2025-02-28T00:00"), utc("2026-02-28T00:00"));
    assertThat(window(q, "2028-02-28T23:00:00Z"))
        .containsExactly(utc("2027-02-28T00:00"), utc("2028-02-29T00:00"));
    assertThat(window(q, "2028-02-29T00:00:00Z"))
        .containsExactly(utc("2028-02-29T00:00"), utc("2029-02-28T00:00"));
  }

  @Test
  void dayIs23HoursWhenClocksSpringForwardAnd25WhenTheyFallBack() {
    QuotaDefinition q = QuotaDefinition.of(DAY, 100).inZone(BERLIN);
    Instant[] spring = window(q, "2026-03-29T12:00:00Z");
    assertThat(Duration.between(spring[0], spring[1])).isEqualTo(Duration.ofHours(23));
    assertThat(spring[0]).isEqualTo(Instant.parse("2026-03-28T23:00:00Z"));
    Instant[] fall = window(q, "2026-10-25T12:00:00Z");
    assertThat(Duration.between(fall[0], fall[1])).isEqualTo(Duration.ofHours(25));
    assertThat(fall[1]).isEqualTo(Instant.parse("2026-10-25T23:00:00Z"));
  }

  @Test
  void dayStartsAtTheFirstValidTimeWhenMidnightDoesNotExist() {
    // Santiago de Chile springs forward at midnight: 2026-09-06 starts at 01:00 local time.
    ZoneId santiago = ZoneId.of("America/Santiago");
    QuotaDefinition q = QuotaDefinition.of(DAY, 100).inZone(santiago);
    LocalDate gapDay = LocalDate.of(2026, 9, 6);
    Instant expectedStart = gapDay.atStartOfDay(santiago).toInstant();
    Instant[] w = window(q, expectedStart.plusSeconds(3600).toString());
    assertThat(w[0]).isEqualTo(expectedStart);
    assertThat(w[1]).isEqualTo(gapDay.plusDays(1).atStartOfDay(santiago).toInstant());
  }

  @Test
  void monthlyWindowWhoseStartDateWasSkippedByItsZoneStartsAtTheNextInstant() {
    // Samoa skipped 2011-12-30 when it moved across the date line.
    ZoneId apia = ZoneId.of("Pacific/Apia");
    QuotaDefinition q = QuotaDefinition.of(MONTH, 100).anchoredAt(LocalDate.of(2011, 4, 30)).inZone(apia);
    Instant[] w = window(q, "2011-12-30T10:00:00Z");
    assertThat(w[0]).isEqualTo(LocalDate.of(2011, 12, 31).atStartOfDay(apia).toInstant());
    assertThat(w[1]).isEqualTo(LocalDate.of(2012, 1, 30).atStartOfDay(apia).toInstant());
  }

  @Test
  void weeksStartOnTheAnchorsWeekday() {
    QuotaDefinition q = QuotaDefinition.of(WEEK, 100).anchoredAt(LocalDate.of(2026, 11, 4)); // a Wednesday
    assertThat(window(q, "2026-11-22T10:00:00Z"))
        .containsExactly(utc("2026-11-18T00:00"), utc("2026-11-25T00:00"));
    QuotaDefinition iso = QuotaDefinition.of(WEEK, 100);
    assertThat(window(iso, "2026-11-22T10:00:00Z"))
        .containsExactly(utc("2026-11-16T00:00"), utc("2026-11-23T00:00"));
  }

  @Test
  void subDayWindowsHaveFixedLengthsFromTheAnchorsMidnight() {
    assertThat(window(QuotaDefinition.of(SECOND, 1), "2026-11-22T10:00:07.250Z"))
        .containsExactly(Instant.parse("2026-11-22T10:00:07Z"), Instant.parse("2026-11-22T10:00:08Z"));
    assertThat(window(QuotaDefinition.of(MINUTE, 1), "2026-11-22T10:00:07Z"))
        .containsExactly(Instant.parse("2026-11-22T10:00:00Z"), Instant.parse("2026-11-22T10:01:00Z"));
    QuotaDefinition kolkataHour = QuotaDefinition.of(HOUR, 1).inZone(ZoneId.of("Asia/Kolkata"));
    assertThat(window(kolkataHour, "2026-11-22T10:45:00Z"))
        .containsExactly(Instant.parse("2026-11-22T10:30:00Z"), Instant.parse("2026-11-22T11:30:00Z"));
  }

  @Test
  void anchorInTheFutureExtendsWindowsBackwardsWithTheSameRhythm() {
    QuotaDefinition q = QuotaDefinition.of(MONTH, 100).anchoredAt(LocalDate.of(2027, 3, 31));
    assertThat(window(q, "2026-11-22T10:00:00Z"))
        .containsExactly(utc("2026-10-31T00:00"), utc("2026-11-30T00:00"));
    QuotaDefinition w = QuotaDefinition.of(WEEK, 100).anchoredAt(LocalDate.of(2026, 12, 2));
    assertThat(window(w, "2026-11-22T10:00:00Z"))
        .containsExactly(utc("2026-11-18T00:00"), utc("2026-11-25T00:00"));
  }

  @Test
  void windowEndIsTheNextWindowsStart() {
    QuotaDefinition q = QuotaDefinition.of(MONTH, 100).anchoredAt(LocalDate.of(2026, 1, 30)).inZone(BERLIN);
    long[] w = Windows.bounds(q, ZonedDateTime.of(2026, 2, 10, 0, 0, 0, 0, BERLIN).toInstant().toEpochMilli());
    long[] next = Windows.bounds(q, w[1]);
    assertThat(next[0]).isEqualTo(w[1]);
    long[] before = Windows.bounds(q, w[1] - 1);
    assertThat(before).containsExactly(w);
  }

  @Test
  void planBoughtAt0930RenewsAt0930OnTheClampedDayCountedFromTheAnchor() {
    QuotaDefinition q = QuotaDefinition.of(MONTH, 100).anchoredAt(LocalDateTime.of(2028, 1, 31, 9, 30));
    assertThat(window(q, "2028-02-29T09:29:59Z"))
        .containsExactly(utc("2028-01-31T09:30"), utc("2028-02-29T09:30"));
    assertThat(window(q, "2028-02-29T09:30:00Z"))
        .containsExactly(utc("2028-02-29T09:30"), utc("2028-03-31T09:30"));
    assertThat(window(q, "2029-02-28T12:00:00Z"))
        .containsExactly(utc("2029-02-28T09:30"), utc("2029-03-31T09:30"));
  }

  @Test
  void localDateTimeAnchorKeepsItsLocalTimeAcrossDaylightSavingWhileAnInstantAnchorKeepsItsInstant() {
    QuotaDefinition local = QuotaDefinition.of(DAY, 100).anchoredAt(LocalDateTime.of(2026, 3, 1, 9, 30))
        .inZone(BERLIN);
    // 09:30 in Berlin is 08:30Z in winter and 07:30Z in summer
    assertThat(window(local, "2026-03-28T12:00:00Z"))
        .containsExactly(Instant.parse("2026-03-28T08:30:00Z"), Instant.parse("2026-03-29T07:30:00Z"));
    QuotaDefinition instant = QuotaDefinition.of(DAY, 100).anchoredAt(Instant.parse("2026-03-01T08:30:00Z"))
        .inZone(BERLIN);
    assertThat(window(instant, "2026-03-28T12:00:00Z"))
        .containsExactly(Instant.parse("2026-03-28T08:30:00Z"), Instant.parse("2026-03-29T07:30:00Z"));
    // the zone set after the anchor: a local anchor moves with the zone, an instant stays
    assertThat(QuotaDefinition.of(DAY, 1).anchoredAt(Instant.parse("2026-03-01T08:30:00Z")).inZone(BERLIN)
        .anchorStart().toLocalTime()).isEqualTo(LocalTime.of(9, 30));
    assertThat(QuotaDefinition.of(DAY, 1).anchoredAt(LocalDateTime.of(2026, 3, 1, 8, 30)).inZone(BERLIN)
        .anchorStart().toLocalTime()).isEqualTo(LocalTime.of(8, 30));
  }

  @Test
  void anchorSkippedBySpringForwardStartsAnHourLaterAsZonedDateTimeResolvesIt() {
    // 2026-03-29T02:30 does not exist in Berlin: ZonedDateTime makes it 03:30+02:00, and counts on from it
    QuotaDefinition q = QuotaDefinition.of(DAY, 100).anchoredAt(LocalDateTime.of(2026, 3, 29, 2, 30))
        .inZone(BERLIN);
    assertThat(window(q, "2026-03-29T02:00:00Z"))
        .containsExactly(Instant.parse("2026-03-29T01:30:00Z"), Instant.parse("2026-03-30T01:30:00Z"));
    assertThat(window(q, "2026-03-29T01:00:00Z"))
        .containsExactly(Instant.parse("2026-03-28T02:30:00Z"), Instant.parse("2026-03-29T01:30:00Z"));
  }

  @Test
  void hourlyWindowsOfAnAnchorAt0930FollowTheAnchorNotTheFullHour() {
    QuotaDefinition q = QuotaDefinition.of(HOUR, 100).anchoredAt(LocalDateTime.of(2026, 1, 5, 9, 30))
        .inZone(ZoneId.of("Asia/Kathmandu")); // +05:45
    assertThat(window(q, "2026-11-22T10:00:00Z"))
        .containsExactly(Instant.parse("2026-11-22T09:45:00Z"), Instant.parse("2026-11-22T10:45:00Z"));
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void windowOfNowIsFoundWithoutWalkingFromAFarAwayAnchor() {
    // walking window by window would take 3 * 10^10 steps for the seconds, 10^6 for the days
    QuotaDefinition seconds = QuotaDefinition.of(SECOND, 1).anchoredAt(LocalDateTime.of(2001, 1, 1, 9, 30, 15));
    QuotaDefinition days = QuotaDefinition.of(DAY, 1).anchoredAt(LocalDateTime.of(4999, 1, 1, 9, 30))
        .inZone(BERLIN);
    for (int i = 0; i < 10_000; i++) {
      assertThat(window(seconds, "2999-06-01T12:00:00.500Z")[0]).isEqualTo(Instant.parse("2999-06-01T12:00:00Z"));
      assertThat(window(days, "2026-06-01T12:00:00Z")[0]).isEqualTo(Instant.parse("2026-06-01T07:30:00Z"));
    }
  }
}
