package dev.apibilling;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The quota language's one parser: a quota written in one line, a plan's quotas, and a quota given as
 * structured parts. Every message names the text or the entry that was wrong. Stateless.
 */
final class PlanParser {

  /** How a quota is written. */
  static final String QUOTA_FORM = "duration:limit [anchor=ANCHOR] [zone=ZONE] [name=POLICY] [operation=NAME]";

  private PlanParser() {}

  /**
   * A plan's quotas: {@link #QUOTA_FORM} separated by commas, at least one, policy names unique.
   *
   * @throws IllegalArgumentException if a quota is malformed or two share a policy name
   */
  static List<QuotaDefinition> quotas(String text) {
    List<QuotaDefinition> quotas = new ArrayList<>();
    for (String part : text.split(",")) {
      String q = part.trim();
      if (!q.isEmpty()) {
        quotas.add(quota(q));
      }
    }
    if (quotas.isEmpty()) {
      throw new IllegalArgumentException("quotas must list at least one 'duration:limit' but were '"
          + text.trim() + "'");
    }
    return Requirements.quotas(quotas);
  }

  /**
   * One quota written {@link #QUOTA_FORM}.
   *
   * @throws IllegalArgumentException if it is malformed
   */
  static QuotaDefinition quota(String text) {
    String t = text.trim();
    String[] tokens = t.split("\\s+");
    int colon = tokens[0].indexOf(':');
    if (t.isEmpty() || colon < 0) {
      throw new IllegalArgumentException("quota must be '" + QUOTA_FORM + "' but was '" + t + "'");
    }
    QuotaDuration duration = duration(tokens[0].substring(0, colon), t);
    long limit = limit(tokens[0].substring(colon + 1), t);
    String anchor = null;
    ZoneId zone = ZoneOffset.UTC;
    String name = duration.policyName();
    String operation = null;
    for (int i = 1; i < tokens.length; i++) {
      String token = tokens[i];
      int eq = token.indexOf('=');
      String key = eq < 0 ? token : token.substring(0, eq);
      String value = eq < 0 ? "" : token.substring(eq + 1);
      switch (key) {
        case "anchor" -> anchor = value;
        case "zone" -> zone = zone(value, t);
        case "name" -> name = policy(value, t);
        case "operation" -> operation = operation(value, t);
        default -> throw new IllegalArgumentException("quota option must be anchor=, zone=, name= or "
            + "operation= but was '" + token + "' in '" + t + "'");
      }
    }
    return anchored(new QuotaDefinition(name, duration, limit, QuotaDefinition.DEFAULT_ANCHOR, zone)
        .forOperation(operation), anchor, t);
  }

  /**
   * One quota from its parts (see {@link QuotaFields}).
   *
   * @param where names the quota in messages, e.g. {@code quota 0 of plan 'free'}
   * @throws IllegalArgumentException if a part is missing or malformed
   */
  static QuotaDefinition quota(QuotaFields f, String where) {
    if (f.duration() == null || f.duration().isBlank()) {
      throw new IllegalArgumentException("quota duration is required: one of second, minute, hour, day, "
          + "week, month, year, in '" + where + "'");
    }
    QuotaDuration duration = duration(f.duration(), where);
    String l = f.limit();
    if (f.unlimited() == (l != null)) {
      throw new IllegalArgumentException(f.unlimited()
          ? "quota limit must not be set on an unlimited quota, in '" + where + "'"
          : "quota limit is required (or unlimited=true), in '" + where + "'");
    }
    long limit = l == null ? QuotaDefinition.UNLIMITED : limit(l, where);
    ZoneId zone = f.zone() == null ? ZoneOffset.UTC : zone(f.zone(), where);
    String name = f.policy() == null ? duration.policyName() : policy(f.policy(), where);
    String operation = f.operation() == null ? null : operation(f.operation(), where);
    return anchored(new QuotaDefinition(name, duration, limit, QuotaDefinition.DEFAULT_ANCHOR, zone)
        .forOperation(operation), f.anchor(), where);
  }

  private static QuotaDuration duration(String text, String where) {
    try {
      return QuotaDuration.valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("quota duration must be one of second, minute, hour, day, week, "
          + "month, year but was '" + text.trim() + "' in '" + where + "'");
    }
  }

  /** A limit: a whole number ({@code _} allowed between digits) or {@code unlimited}. */
  private static long limit(String text, String where) {
    String t = text.trim();
    if (t.equalsIgnoreCase("unlimited")) {
      return QuotaDefinition.UNLIMITED;
    }
    if (t.matches("-[0-9][0-9_]*")) {
      throw new IllegalArgumentException("quota limit must be >= 0 but was " + t
          + " (for a quota that never blocks write unlimited) in '" + where + "'");
    }
    if (!t.matches("[0-9][0-9_]*")) {
      throw new IllegalArgumentException("quota limit must be a whole number >= 0 or 'unlimited' but was '"
          + t + "' in '" + where + "'");
    }
    long limit;
    try {
      limit = Long.parseLong(t.replace("_", ""));
    } catch (NumberFormatException e) {
      limit = Long.MAX_VALUE;
    }
    if (limit > Requirements.MAX_CREDITS) {
      throw new IllegalArgumentException("quota limit must be <= " + Requirements.MAX_CREDITS
          + " but was '" + t + "' in '" + where + "'");
    }
    return limit;
  }

  /**
   * {@code quota} anchored at {@code text} (null: the default anchor) by the one anchor parser,
   * {@link QuotaDefinition#anchoredAt(String)}: a date, a local date-time or an instant.
   */
  private static QuotaDefinition anchored(QuotaDefinition quota, @Nullable String text, String where) {
    try {
      return text == null ? quota : quota.anchoredAt(text.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + " in '" + where + "'", e);
    }
  }

  private static ZoneId zone(String value, String where) {
    try {
      return ZoneId.of(value.trim());
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "quota zone must be a zone id like UTC or Europe/Berlin but was '" + value + "' in '" + where + "'");
    }
  }

  private static String policy(String value, String where) {
    return inQuota(() -> Requirements.policy(value.trim()), where);
  }

  private static String operation(String value, String where) {
    return inQuota(() -> Requirements.operation(value.trim()), where);
  }

  private static <T> T inQuota(java.util.function.Supplier<T> check, String where) {
    try {
      return check.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("quota " + e.getMessage() + " in '" + where + "'", e);
    }
  }

  static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
