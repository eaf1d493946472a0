package dev.apibilling;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;

/**
 * Calendar arithmetic of quota windows: the one place that knows about zones, month ends and
 * daylight-saving time. Everything else sees a window as two epoch-millisecond bounds.
 */
final class Windows {

  private Windows() {}

  /**
   * The bounds {@code [start, end)} of the window of {@code quota} that contains {@code now}, as epoch
   * milliseconds.
   */
  static long[] bounds(QuotaDefinition quota, long now) {
    ZoneId zone = quota.zone();
    LocalDate anchor = quota.anchor();
    switch (quota.duration()) {
      case SECOND:
        return fixed(quota, now, 1_000L);
      case MINUTE:
        return fixed(quota, now, 60_000L);
      case HOUR:
        return fixed(quota, now, 3_600_000L);
      default:
        break;
    }
    LocalDate today = Instant.ofEpochMilli(now).atZone(zone).toLocalDate();
    LocalDate start;
    LocalDate end;
    switch (quota.duration()) {
      case DAY:
        start = today;
        end = today.plusDays(1);
        break;
      case WEEK: {
        long weeks = Math.floorDiv(today.toEpochDay() - anchor.toEpochDay(), 7);
        start = anchor.plusDays(weeks * 7);
        end = start.plusDays(7);
        break;
      }
      case MONTH: {
        long n = ChronoUnit.MONTHS.between(anchor.withDayOfMonth(1), today.withDayOfMonth(1));
        if (anchor.plusMonths(n).isAfter(today)) {
          n--;
        }
        start = anchor.plusMonths(n);
        end = anchor.plusMonths(n + 1);
        break;
      }
      case YEAR: {
        long n = (long) today.getYear() - anchor.getYear();
        if (anchor.plusYears(n).isAfter(today)) {
          n--;
        }
        start = anchor.plusYears(n);
        end = anchor.plusYears(n + 1);
        break;
      }
      default:
        throw new AssertionError(quota.duration());
    }
    return new long[] {midnight(start, zone), midnight(end, zone)};
  }

  private static long[] fixed(QuotaDefinition quota, long now, long length) {
    long origin = midnight(quota.anchor(), quota.zone());
    long start = origin + Math.floorDiv(now - origin, length) * length;
    return new long[] {start, start + length};
  }

  private static long midnight(LocalDate date, ZoneId zone) {
    return date.atStartOfDay(zone).toInstant().toEpochMilli();
  }
}
