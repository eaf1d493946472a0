package dev.apibilling;

import java.time.Duration;
import java.util.Locale;

/**
 * The length of a quota's window.
 *
 * <p>{@link #SECOND}, {@link #MINUTE} and {@link #HOUR} are fixed lengths counted from the anchor
 * (its day's local midnight for a date anchor). {@link #DAY} and {@link #WEEK} follow the local calendar
 * of the quota's zone, so a window is 23 or 25 hours long on a daylight-saving change. {@link #MONTH}
 * and {@link #YEAR} keep the anchor's day-of-month (and time of day), clamped to the end of shorter
 * months and returning to it afterwards. See {@link QuotaDefinition} for the anchor.
 */
public enum QuotaDuration {
  SECOND,
  MINUTE,
  HOUR,
  DAY,
  WEEK,
  MONTH,
  YEAR;

  /** The default policy name of a quota of this duration: {@code "day"} for {@link #DAY}. */
  public String policyName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The nominal length (a 30-day month, a 365-day year), used only to order quotas by length. */
  public Duration nominalLength() {
    return switch (this) {
      case SECOND -> Duration.ofSeconds(1);
      case MINUTE -> Duration.ofMinutes(1);
      case HOUR -> Duration.ofHours(1);
      case DAY -> Duration.ofDays(1);
      case WEEK -> Duration.ofDays(7);
      case MONTH -> Duration.ofDays(30);
      case YEAR -> Duration.ofDays(365);
    };
  }
}
