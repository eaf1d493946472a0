package dev.apibilling;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * Calendar arithmetic of quota windows: the one place that knows about zones, month ends and
 * daylight-saving time. Everything else sees a window as two epoch-millisecond bounds.
 *
 * <p>Window {@code k} of a quota (any whole {@code k}, negative before the anchor) starts at
 * {@code anchorStart.plus(k units)} as {@link ZonedDateTime} computes it, always from the anchor, so a
 * month clamped to Feb 28 returns to the 31st. For a date anchor it starts at the start of the local day
 * {@code anchor.plus(k units)} instead, so every window starts at a day's start even where midnight is
 * skipped. The window of an instant is found in constant time: an estimate of {@code k} from the
 * calendar distance, corrected by a step or two.
 */
final class Windows {

  private Windows() {}

  /**
   * The bounds {@code [start, end)} of the window of {@code quota} that contains {@code now}, as epoch
   * milliseconds.
   */
  static long[] bounds(QuotaDefinition quota, long now) {
    ZonedDateTime origin = quota.anchorStart();
    switch (quota.duration()) {
      case SECOND:
        return fixed(origin, now, 1_000L);
      case MINUTE:
        return fixed(origin, now, 60_000L);
      case HOUR:
        return fixed(origin, now, 3_600_000L);
      default:
        break;
    }
    ChronoUnit unit = unit(quota.duration());
    ZonedDateTime at = Instant.ofEpochMilli(now).atZone(quota.zone());
    long k = unit.between(origin, at);
    while (start(quota, origin, unit, k) > now) {
      k--;
    }
    long next = start(quota, origin, unit, k + 1);
    while (next <= now) {
      k++;
      next = start(quota, origin, unit, k + 1);
    }
    return new long[] {start(quota, origin, unit, k), next};
  }

  private static long start(QuotaDefinition quota, ZonedDateTime origin, ChronoUnit unit, long k) {
    ZonedDateTime start = quota.startsDays()
        ? quota.anchor().plus(k, unit).atStartOfDay(quota.zone())
        : origin.plus(k, unit);
    return start.toInstant().toEpochMilli();
  }

  private static ChronoUnit unit(QuotaDuration duration) {
    return switch (duration) {
      case DAY -> ChronoUnit.DAYS;
      case WEEK -> ChronoUnit.WEEKS;
      case MONTH -> ChronoUnit.MONTHS;
      case YEAR -> ChronoUnit.YEARS;
      default -> throw new AssertionError(duration);
    };
  }

  private static long[] fixed(ZonedDateTime origin, long now, long length) {
    long from = origin.toInstant().toEpochMilli();
    long start = from + Math.floorDiv(now - from, length) * length;
    return new long[] {start, start + length};
  }
}
