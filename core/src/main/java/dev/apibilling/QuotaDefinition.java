package dev.apibilling;

import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One quota of a plan: so many credits per window of a duration, windows counted from an anchor date in
 * a zone. Immutable; validated on creation.
 *
 * <pre>{@code
 * QuotaDefinition.of(QuotaDuration.DAY, 500);
 * QuotaDefinition.of(QuotaDuration.MONTH, 10_000).anchoredAt(signupDate).inZone(ZoneId.of("Europe/Berlin"));
 * QuotaDefinition.unlimited(QuotaDuration.MONTH).named("lifetime-month");
 * }</pre>
 *
 * <p>Windows are calendar windows counted from the anchor's local midnight: a MONTH quota anchored on
 * Jan 31 renews on Feb 28 (Feb 29 in a leap year), then Mar 31. An anchor in the future is allowed:
 * windows extend backwards from it with the same rhythm, so the quota applies from now. Changing the
 * anchor or the zone of a quota moves its windows; the new window starts with no usage.
 *
 * @param policy the name headers and status report, unique among a client's quotas (default: the
 *     duration's name, e.g. {@code "day"})
 * @param duration the window's duration
 * @param limit credits per window, {@code 0} (a suspended plan: everything is denied) up to
 *     {@link Requirements#MAX_CREDITS}, or {@link #UNLIMITED}
 * @param anchor the date windows count from (default 2001-01-01, a Monday and the first of a month and
 *     of a year, so default windows are calendar months, calendar years and ISO weeks)
 * @param zone the zone whose local midnights bound the windows (default UTC)
 * @param operation null for a client-wide quota, which every charge of the client counts against; else
 *     the operation whose charges alone count against it, next to the client-wide quotas (e.g. at most 50
 *     of a 5,000-credit day on {@code send_email}). Policy names are unique per operation.
 */
public record QuotaDefinition(
    String policy, QuotaDuration duration, long limit, LocalDate anchor, ZoneId zone,
    @Nullable String operation) {

  /** A limit that never blocks; usage is still counted and reported. */
  public static final long UNLIMITED = -1;

  /** The anchor used when none is given. */
  public static final LocalDate DEFAULT_ANCHOR = LocalDate.of(2001, 1, 1);

  /** @throws IllegalArgumentException if the policy name or the limit is invalid */
  public QuotaDefinition {
    Requirements.policy(policy);
    Objects.requireNonNull(duration, "duration");
    Requirements.limit(limit);
    Objects.requireNonNull(anchor, "anchor");
    Objects.requireNonNull(zone, "zone");
    if (operation != null) {
      Requirements.operation(operation);
    }
  }

  /** A client-wide quota. */
  public QuotaDefinition(String policy, QuotaDuration duration, long limit, LocalDate anchor, ZoneId zone) {
    this(policy, duration, limit, anchor, zone, null);
  }

  /** {@code limit} credits per window of {@code duration}, calendar-aligned in UTC. */
  public static QuotaDefinition of(QuotaDuration duration, long limit) {
    return new QuotaDefinition(duration.policyName(), duration, limit, DEFAULT_ANCHOR, ZoneOffset.UTC);
  }

  /** A quota that counts usage per window of {@code duration} but never blocks. */
  public static QuotaDefinition unlimited(QuotaDuration duration) {
    return of(duration, UNLIMITED);
  }

  /** This quota with windows counted from {@code anchor} (e.g. the client's signup date). */
  public QuotaDefinition anchoredAt(LocalDate anchor) {
    return new QuotaDefinition(policy, duration, limit, anchor, zone, operation);
  }

  /** This quota with windows bounded by local midnights of {@code zone}. */
  public QuotaDefinition inZone(ZoneId zone) {
    return new QuotaDefinition(policy, duration, limit, anchor, zone, operation);
  }

  /** This quota under another policy name. */
  public QuotaDefinition named(String policy) {
    return new QuotaDefinition(policy, duration, limit, anchor, zone, operation);
  }

  /** This quota with another limit. */
  public QuotaDefinition withLimit(long limit) {
    return new QuotaDefinition(policy, duration, limit, anchor, zone, operation);
  }

  /**
   * This quota for charges of {@code operation} only (null: client-wide).
   *
   * @throws IllegalArgumentException if the name is not 1 to 64 of {@code A-Z a-z 0-9 _ . -}
   */
  public QuotaDefinition forOperation(@Nullable String operation) {
    return new QuotaDefinition(policy, duration, limit, anchor, zone, operation);
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
}
