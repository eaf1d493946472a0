package dev.apibilling;

import dev.apibilling.spi.WindowSlot;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One quota of a plan: so many credits per window of a duration, windows counted from an anchor in a
 * zone. Immutable; validated on creation.
 *
 * <pre>{@code
 * QuotaDefinition.of(QuotaDuration.DAY, 500);
 * QuotaDefinition.of(QuotaDuration.MONTH, 10_000).anchoredAt(signupDate).inZone(ZoneId.of("Europe/Berlin"));
 * QuotaDefinition.of(QuotaDuration.MONTH, 10_000).anchoredAt(purchase.toInstant()); // renews at that time
 * QuotaDefinition.unlimited(QuotaDuration.MONTH).named("lifetime-month");
 * }</pre>
 *
 * <p>The anchor is one of three kinds: a date (windows start at the start of a local day: a MONTH
 * quota anchored on Jan 31 renews on Feb 28, Feb 29 in a leap year, then Mar 31, each at the start of
 * the day), a local date-time in the quota's zone (window {@code k} starts at
 * {@code anchor.atZone(zone).plus(k units)}: anchored at Jan 31 09:30 it renews Feb 28 09:30, then
 * Mar 31 09:30; a time skipped or repeated by a daylight-saving change is resolved as
 * {@link ZonedDateTime} resolves it) or an instant (the same, from {@code instant.atZone(zone)}, so it
 * keeps its instant when the zone changes). A local date-time at midnight is the date anchor.
 * An anchor in the future is allowed: windows extend backwards from it with the same rhythm, so the quota
 * applies from now. Changing the anchor or the zone of a quota moves its windows; the new window starts
 * with no usage.
 *
 * @param policy the name headers and status report, unique among a client's quotas of the same operation
 *     (default: the duration's name, e.g. {@code "day"})
 * @param duration the window's duration
 * @param limit credits per window, {@code 0} (a suspended plan: everything is denied) up to
 *     {@link Requirements#MAX_CREDITS}, or {@link #UNLIMITED}
 * @param anchor the date windows count from (default 2001-01-01, a Monday and the first of a month and
 *     of a year, so default windows are calendar months, calendar years and ISO weeks); for an instant
 *     anchor its date at {@code anchorOffset}
 * @param zone the zone whose local calendar bounds the windows (default UTC)
 * @param anchorTime the time of day windows count from on {@code anchor} (default midnight)
 * @param anchorOffset for an instant anchor, the offset {@code anchor} and {@code anchorTime} are read
 *     at; {@code null} when the anchor is local to {@code zone}
 * @param operation null for a client-wide quota, which every charge of the client counts against; else
 *     the operation whose charges alone count against it, next to the client-wide quotas (e.g. at most 50
 *     of a 5,000-credit day on {@code send_email}). Policy names are unique per operation.
 */
public record QuotaDefinition(
    String policy, QuotaDuration duration, long limit, LocalDate anchor, ZoneId zone,
    LocalTime anchorTime, @Nullable ZoneOffset anchorOffset, @Nullable String operation) {

  /**
   * A limit that never blocks; usage is still counted and reported. The value is the SPI's
   * {@link WindowSlot#UNLIMITED}, defined there once, so a quota's limit passes to a store's window as is.
   */
  public static final long UNLIMITED = WindowSlot.UNLIMITED;

  /** The anchor used when none is given. */
  public static final LocalDate DEFAULT_ANCHOR = LocalDate.of(2001, 1, 1);

  /** @throws IllegalArgumentException if the policy name or the limit is invalid */
  public QuotaDefinition {
    Requirements.policy(policy);
    Objects.requireNonNull(duration, "duration");
    Requirements.limit(limit);
    Objects.requireNonNull(anchor, "anchor");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(anchorTime, "anchorTime");
    if (operation != null) {
      Requirements.operation(operation);
    }
  }

  /**
   * A client-wide quota.
   *
   * @throws IllegalArgumentException if the policy name or the limit is invalid
   */
  public QuotaDefinition(String policy, QuotaDuration duration, long limit, LocalDate anchor, ZoneId zone,
      LocalTime anchorTime, @Nullable ZoneOffset anchorOffset) {
    this(policy, duration, limit, anchor, zone, anchorTime, anchorOffset, null);
  }

  /**
   * A quota anchored at the start of the local day {@code anchor} in {@code zone}.
   *
   * @throws IllegalArgumentException if the policy name or the limit is invalid
   */
  public QuotaDefinition(String policy, QuotaDuration duration, long limit, LocalDate anchor, ZoneId zone) {
    this(policy, duration, limit, anchor, zone, LocalTime.MIDNIGHT, null, null);
  }

  /** {@code limit} credits per window of {@code duration}, calendar-aligned in UTC. */
  public static QuotaDefinition of(QuotaDuration duration, long limit) {
    return new QuotaDefinition(duration.policyName(), duration, limit, DEFAULT_ANCHOR, ZoneOffset.UTC);
  }

  /** A quota that counts usage per window of {@code duration} but never blocks. */
  public static QuotaDefinition unlimited(QuotaDuration duration) {
    return of(duration, UNLIMITED);
  }

  /** This quota with windows counted from the start of the day {@code anchor} (e.g. the signup date). */
  public QuotaDefinition anchoredAt(LocalDate anchor) {
    return new QuotaDefinition(policy, duration, limit, anchor, zone, LocalTime.MIDNIGHT, null, operation);
  }

  /** This quota with windows counted from {@code anchor} in the quota's zone, whatever zone it gets. */
  public QuotaDefinition anchoredAt(LocalDateTime anchor) {
    return new QuotaDefinition(policy, duration, limit, anchor.toLocalDate(), zone, anchor.toLocalTime(), null,
        operation);
  }

  /** This quota with windows counted from {@code anchor} (e.g. the purchase), whatever zone it gets. */
  public QuotaDefinition anchoredAt(Instant anchor) {
    return anchoredAt(anchor.atOffset(ZoneOffset.UTC));
  }

  /** This quota with windows counted from the instant {@code anchor}, whatever zone it gets. */
  public QuotaDefinition anchoredAt(OffsetDateTime anchor) {
    return new QuotaDefinition(policy, duration, limit, anchor.toLocalDate(), zone, anchor.toLocalTime(),
        anchor.getOffset(), operation);
  }

  /**
   * This quota anchored at {@code text}: an ISO date ({@code 2026-01-31}), a local date-time in the
   * quota's zone ({@code 2026-01-31T09:30}) or an instant ({@code 2026-01-31T09:30:00Z},
   * {@code 2026-01-31T09:30+01:00}). The one parser of anchors written as text.
   *
   * @throws IllegalArgumentException if {@code text} is none of these
   */
  public QuotaDefinition anchoredAt(String text) {
    try {
      if (text.indexOf('T') < 0) {
        return anchoredAt(LocalDate.parse(text));
      }
      if (text.endsWith("Z") || text.matches(".*T.*[+-].*")) {
        return anchoredAt(OffsetDateTime.parse(text));
      }
      return anchoredAt(LocalDateTime.parse(text));
    } catch (DateTimeException e) {
      throw Requirements.anchor(text, e);
    }
  }

  /** This quota with windows bounded in the local calendar of {@code zone}. */
  public QuotaDefinition inZone(ZoneId zone) {
    return new QuotaDefinition(policy, duration, limit, anchor, zone, anchorTime, anchorOffset, operation);
  }

  /** This quota under another policy name. */
  public QuotaDefinition named(String policy) {
    return new QuotaDefinition(policy, duration, limit, anchor, zone, anchorTime, anchorOffset, operation);
  }

  /** This quota with another limit. */
  public QuotaDefinition withLimit(long limit) {
    return new QuotaDefinition(policy, duration, limit, anchor, zone, anchorTime, anchorOffset, operation);
  }

  /**
   * This quota for charges of {@code operation} only (null: client-wide).
   *
   * @throws IllegalArgumentException if the name is not 1 to 64 of {@code A-Z a-z 0-9 _ . -}
   */
  public QuotaDefinition forOperation(@Nullable String operation) {
    return new QuotaDefinition(policy, duration, limit, anchor, zone, anchorTime, anchorOffset, operation);
  }

  /**
   * The name its windows are kept under, unique among a client's quotas: the policy name, or
   * {@code operation/policy} for an operation's quota ({@code send_email/day}).
   */
  public String slotName() {
    return operation == null ? policy : operation + '/' + policy;
  }

  /** Whether the quota never blocks. */
  public boolean unlimited() {
    return limit == UNLIMITED;
  }

  /**
   * Where window 0 starts, in the quota's zone: the start of the anchor's day for a date anchor,
   * the local date-time or instant resolved in the zone otherwise.
   */
  public ZonedDateTime anchorStart() {
    if (anchorOffset != null) {
      return OffsetDateTime.of(anchor, anchorTime, anchorOffset).atZoneSameInstant(zone);
    }
    return startsDays() ? anchor.atStartOfDay(zone) : anchor.atTime(anchorTime).atZone(zone);
  }

  /**
   * The anchor as {@link #anchoredAt(String)} reads it: {@code 2026-01-31} for a date,
   * {@code 2026-01-31T09:30} for a local date-time, {@code 2026-01-31T09:30Z} for an instant.
   */
  public String anchorText() {
    if (startsDays()) {
      return anchor.toString();
    }
    String local = anchor.atTime(anchorTime).toString();
    return anchorOffset == null ? local : local + anchorOffset;
  }

  /** Whether windows start at the start of a local day (a date anchor). */
  boolean startsDays() {
    return anchorOffset == null && anchorTime.equals(LocalTime.MIDNIGHT);
  }
}
