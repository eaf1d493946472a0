package dev.apibilling;

import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Every argument check of the library and its message, in one place. A message names what was wrong
 * and what is allowed: {@code credits must be > 0 but was -3}.
 */
public final class Requirements {

  /** The most credits one call, one limit or one window may count: 2^53 - 1, exact in every store. */
  public static final long MAX_CREDITS = (1L << 53) - 1;

  /** The longest client id, in characters. */
  public static final int MAX_CLIENT_ID_LENGTH = 256;

  /** The longest idempotency key, in characters. */
  public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;

  /** The most metadata entries on one charge. */
  public static final int MAX_METADATA_ENTRIES = 16;

  /** The longest metadata key or value, in characters. */
  public static final int MAX_METADATA_LENGTH = 256;

  /** The longest usage history one call returns or deletes, in days. */
  public static final int MAX_HISTORY_DAYS = 3660;

  private static final Pattern POLICY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private Requirements() {}

  /**
   * A client id: 1 to 256 characters, not blank, no control characters.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static String clientId(@Nullable String clientId) {
    if (clientId == null || clientId.isBlank()) {
      throw new IllegalArgumentException("clientId must not be blank but was " + quote(clientId));
    }
    if (clientId.length() > MAX_CLIENT_ID_LENGTH) {
      throw new IllegalArgumentException("clientId must be at most " + MAX_CLIENT_ID_LENGTH
          + " characters but was " + clientId.length());
    }
    if (hasControl(clientId)) {
      throw new IllegalArgumentException("clientId must not contain control characters");
    }
    return clientId;
  }

  /**
   * Credits of one call: {@code 1 <= credits <= MAX_CREDITS}.
   *
   * @throws IllegalArgumentException if they are not
   */
  public static long credits(long credits) {
    if (credits <= 0) {
      throw new IllegalArgumentException("credits must be > 0 but was " + credits);
    }
    if (credits > MAX_CREDITS) {
      throw new IllegalArgumentException("credits must be <= " + MAX_CREDITS + " but was " + credits);
    }
    return credits;
  }

  /**
   * Credits from a floating-point figure (tokens, megabytes): a finite whole number in range.
   *
   * @throws IllegalArgumentException for NaN, infinities, fractions, and values out of range
   */
  public static long credits(double credits) {
    if (Double.isNaN(credits) || Double.isInfinite(credits)) {
      throw new IllegalArgumentException("credits must be a finite number but was " + credits);
    }
    if (credits != Math.rint(credits)) {
      throw new IllegalArgumentException("credits must be a whole number but was " + credits);
    }
    if (credits <= 0 || credits > MAX_CREDITS) {
      throw new IllegalArgumentException(
          "credits must be > 0 and <= " + MAX_CREDITS + " but was " + credits);
    }
    return (long) credits;
  }

  /**
   * The actual cost of a settled reservation: {@code 0 <= actual <= reserved}.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static long actualCredits(long actual, long reserved) {
    if (actual < 0 || actual > reserved) {
      throw new IllegalArgumentException(
          "actual credits must be >= 0 and <= the " + reserved + " reserved but was " + actual);
    }
    return actual;
  }

  /**
   * A quota limit: {@code 0 <= limit <= MAX_CREDITS}, or {@link QuotaDefinition#UNLIMITED}.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static long limit(long limit) {
    if (limit == QuotaDefinition.UNLIMITED) {
      return limit;
    }
    if (limit < 0 || limit > MAX_CREDITS) {
      throw new IllegalArgumentException(
          "limit must be >= 0 and <= " + MAX_CREDITS + " (or UNLIMITED) but was " + limit);
    }
    return limit;
  }

  /**
   * A policy name: 1 to 64 of {@code A-Z a-z 0-9 _ . -}, starting with a letter or digit.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static String policy(@Nullable String policy) {
    return name("policy", policy);
  }

  /**
   * An operation name, as quotas and charges name it ({@code send_email}): 1 to 64 of
   * {@code A-Z a-z 0-9 _ . -}, starting with a letter or digit.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static String operation(@Nullable String operation) {
    return name("operation", operation);
  }

  /**
   * A plan name: 1 to 64 of {@code A-Z a-z 0-9 _ . -}, starting with a letter or digit.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static String planName(@Nullable String plan) {
    return name("plan name", plan);
  }

  /**
   * The quotas of one client or plan: at least one, and no two with the same policy name for the same
   * operation.
   *
   * @throws IllegalArgumentException if they are not
   */
  public static List<QuotaDefinition> quotas(List<QuotaDefinition> quotas) {
    if (quotas.isEmpty()) {
      throw new IllegalArgumentException("quotas must not be empty; a client without limits gets "
          + "QuotaDefinition.unlimited(...)");
    }
    Set<String> names = new HashSet<>();
    for (QuotaDefinition q : quotas) {
      if (!names.add(q.slotName())) {
        throw new IllegalArgumentException(
            "policy names must be unique per client but '" + q.slotName() + "' appears twice");
      }
    }
    return List.copyOf(quotas);
  }

  /**
   * A plan named by a setting: one of {@code plans}.
   *
   * @param setting the setting that names it, e.g. {@code apibilling.default-plan}
   * @param plansSetting the setting that defines the plans, e.g. {@code apibilling.plans}
   * @throws IllegalArgumentException if it is missing or not one of them
   */
  public static String planReference(String setting, @Nullable String plan, String plansSetting,
      Set<String> plans) {
    if (plan == null || plan.isBlank()) {
      throw new IllegalArgumentException(setting + " is required: one of the plans " + new java.util.TreeSet<>(plans)
          + " under " + plansSetting);
    }
    if (!plans.contains(plan)) {
      throw new IllegalArgumentException(setting + " is '" + plan + "' but " + plansSetting + " defines only "
          + new java.util.TreeSet<>(plans));
    }
    return plan;
  }

  /**
   * An idempotency key: 1 to 255 visible ASCII characters.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static String idempotencyKey(String key) {
    if (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new IllegalArgumentException("idempotency key must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH
          + " characters but was " + key.length());
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalArgumentException(
            "idempotency key must be visible ASCII (0x21-0x7E) but had 0x"
                + Integer.toHexString(c) + " at index " + i);
      }
    }
    return key;
  }

  /**
   * Metadata of a charge: at most 16 entries, keys and values of 1 to 256 characters without control
   * characters.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static Map<String, String> metadata(Map<String, String> metadata) {
    if (metadata.size() > MAX_METADATA_ENTRIES) {
      throw new IllegalArgumentException("metadata must have at most " + MAX_METADATA_ENTRIES
          + " entries but had " + metadata.size());
    }
    metadata.forEach(Requirements::metadataEntry);
    return Map.copyOf(metadata);
  }

  /** One metadata entry; the message is built only for an invalid one (this runs on every charge). */
  private static void metadataEntry(@Nullable String key, @Nullable String value) {
    if (!isMetadataText(key)) {
      metadataText("metadata key", key);
    }
    if (!isMetadataText(value)) {
      metadataText("metadata value of '" + key + "'", value);
    }
  }

  private static boolean isMetadataText(@Nullable String text) {
    return text != null && !text.isEmpty() && text.length() <= MAX_METADATA_LENGTH && !hasControl(text);
  }

  /**
   * A date range of usage history: {@code from <= to}, at most {@link #MAX_HISTORY_DAYS} days.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static void dateRange(LocalDate from, LocalDate to) {
    if (from.isAfter(to)) {
      throw new IllegalArgumentException("from must be <= to but was " + from + " > " + to);
    }
    long days = to.toEpochDay() - from.toEpochDay() + 1;
    if (days > MAX_HISTORY_DAYS) {
      throw new IllegalArgumentException(
          "date range must be at most " + MAX_HISTORY_DAYS + " days but was " + days);
    }
  }

  /**
   * The error for a quota anchor that is not one of the three forms {@link
   * QuotaDefinition#anchoredAt(String)} reads, with the parser's reason when it has one.
   */
  static IllegalArgumentException anchor(String text, java.time.DateTimeException e) {
    Throwable reason = e.getCause();
    return new IllegalArgumentException("quota anchor must be an ISO date like 2026-01-31, a local "
        + "date-time like 2026-01-31T09:30 or an instant like 2026-01-31T09:30:00Z or "
        + "2026-01-31T09:30+01:00 but was " + quote(text)
        + (reason != null && reason.getMessage() != null ? " (" + reason.getMessage() + ")" : ""), e);
  }

  /**
   * A count setting that must be at least 1.
   *
   * @throws SettingException (naming the setting) if it is zero or negative
   */
  public static long positive(String name, long value) {
    if (value <= 0) {
      throw new SettingException(name, "must be > 0 but was " + value);
    }
    return value;
  }

  /**
   * A duration setting that must be longer than zero.
   *
   * @throws SettingException (naming the setting) if it is zero or negative
   */
  public static java.time.Duration positive(String name, java.time.Duration d) {
    if (d.isZero() || d.isNegative()) {
      throw new SettingException(name, "must be > 0 but was " + d);
    }
    return d;
  }

  /**
   * The fractions of a limit whose crossing is reported: each {@code 0 < f <= 1}.
   *
   * @throws SettingException (naming {@code thresholds}) if one is not
   */
  public static double[] thresholds(double[] fractions) {
    for (double f : fractions) {
      if (!(f > 0 && f <= 1)) {
        throw new SettingException("thresholds", "must be > 0 and <= 1 but had " + f);
      }
    }
    return fractions.clone();
  }

  /**
   * A part of a usage event's details (operation, method, route), when not null: 1 to 256 characters
   * without control characters.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static @Nullable String eventDetail(String name, @Nullable String value) {
    if (value != null && (value.isEmpty() || value.length() > MAX_METADATA_LENGTH || hasControl(value))) {
      throw new IllegalArgumentException("event " + name + " must be 1 to " + MAX_METADATA_LENGTH
          + " characters without control characters but was " + quote(value));
    }
    return value;
  }

  /**
   * An HTTP status: {@code 100 <= status <= 599}.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static int httpStatus(int status) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be >= 100 and <= 599 but was " + status);
    }
    return status;
  }

  /**
   * The source of usage events (the instance that recorded them), a CloudEvents {@code source}: 1 to 256
   * visible ASCII characters.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static String eventSource(String source) {
    if (source.isEmpty() || source.length() > MAX_METADATA_LENGTH
        || !source.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
      throw SettingException.described("eventSource", "event source must be 1 to " + MAX_METADATA_LENGTH
          + " visible ASCII characters (0x21-0x7E) but was " + quote(source), null);
    }
    return source;
  }

  /**
   * A count setting such as a batch size: {@code 1 <= value <= max}.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static int between(String name, int value, int max) {
    if (value < 1 || value > max) {
      throw new SettingException(name, "must be >= 1 and <= " + max + " but was " + value);
    }
    return value;
  }

  /**
   * A fraction setting: {@code 0 < fraction <= 1}.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static double fraction(String name, double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new SettingException(name, "must be > 0 and <= 1 but was " + fraction);
    }
    return fraction;
  }

  /**
   * A positive count setting such as a cache size.
   *
   * @throws IllegalArgumentException if it is zero or negative
   */
  public static long count(String name, long count) {
    if (count <= 0) {
      throw new SettingException(name, "must be > 0 but was " + count);
    }
    return count;
  }

  /**
   * A lease TTL: at least twice the lease span, so a lease is settled well before the store expires it.
   *
   * @throws IllegalArgumentException if it is shorter
   */
  public static void leaseTtl(java.time.Duration span, java.time.Duration ttl) {
    if (ttl.compareTo(span.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException("leases.ttl must be >= 2 x leases.span (" + span.multipliedBy(2)
          + ") but was " + ttl);
    }
  }

  /**
   * An instant a provider is exhausted until: at most {@code Requirements.MAX_CREDITS} epoch milliseconds.
   *
   * @throws IllegalArgumentException if it is later
   */
  public static java.time.Instant exhaustedUntil(java.time.Instant until) {
    if (until.isBefore(java.time.Instant.EPOCH)
        || !until.isBefore(java.time.Instant.ofEpochMilli(ProviderBudgets.MARKER_END))) {
      throw new IllegalArgumentException("exhausted-until instant must be from 1970 to before "
          + java.time.Instant.ofEpochMilli(ProviderBudgets.MARKER_END) + " but was " + until);
    }
    return until;
  }

  /**
   * The providers of {@link ProviderBudgets}: not empty, no duplicates, each a client id of at most
   * {@code MAX_CLIENT_ID_LENGTH - 10} characters (its exhaustion mark is kept under {@code <id>#exhausted}).
   *
   * @throws IllegalArgumentException if they are not
   */
  public static List<String> providers(List<String> providers) {
    if (providers.isEmpty()) {
      throw new IllegalArgumentException("providers must not be empty");
    }
    Set<String> seen = new HashSet<>();
    for (String p : providers) {
      clientId(p);
      if (p.length() > MAX_CLIENT_ID_LENGTH - 10) {
        throw new IllegalArgumentException("provider id must be at most " + (MAX_CLIENT_ID_LENGTH - 10)
            + " characters but was " + p.length());
      }
      if (!seen.add(p)) {
        throw new IllegalArgumentException("providers must be distinct but " + quote(p) + " appears twice");
      }
    }
    return List.copyOf(providers);
  }

  /**
   * A provider named in a call: one the budgets know, with quotas in the billing.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static String provider(String provider, boolean known) {
    if (!known) {
      throw new IllegalArgumentException("provider " + quote(provider)
          + " must be one of the budgets' providers, with quotas in the billing");
    }
    return provider;
  }

  private static String name(String what, @Nullable String name) {
    if (name == null || !POLICY.matcher(name).matches()) {
      throw new IllegalArgumentException(what + " must be 1 to 64 of [A-Za-z0-9_.-], starting with a"
          + " letter or digit, but was " + quote(name));
    }
    return name;
  }

  private static void metadataText(String what, @Nullable String text) {
    if (text == null || text.isEmpty() || text.length() > MAX_METADATA_LENGTH || hasControl(text)) {
      throw new IllegalArgumentException(what + " must be 1 to " + MAX_METADATA_LENGTH
          + " characters without control characters but was " + quote(text));
    }
  }

  private static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static String quote(@Nullable String s) {
    if (s == null) {
      return "null";
    }
    String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    StringBuilder b = new StringBuilder("'");
    for (int i = 0; i < shown.length(); i++) {
      char c = shown.charAt(i);
      b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return b.append('\'').toString();
  }
}
