package dev.apibilling.servlet;

import dev.apibilling.Requirements;
import dev.apibilling.SettingException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a request costs: the first {@link CostRule} that matches its method and path, else the default.
 * A {@code HEAD} request costs what the same {@code GET} costs (a {@code GET} rule matches it) unless a
 * rule for {@code HEAD} matches it: then the first such rule wins, wherever it stands. Immutable and
 * thread safe.
 *
 * <pre>{@code
 * CostRules costs = CostRules.parse(1, "POST /api/reports/* = 5, GET /api/search/** = 2, GET /health = 0");
 * costs.costOf("POST", "/api/reports/42");   // 5
 * costs.costOf("GET", "/api/items");         // 1
 * }</pre>
 */
public final class CostRules {

  private final long defaultCredits;
  private final List<CostRule> rules;
  private final CostRule fallback;
  private final boolean headRules;

  private CostRules(long defaultCredits, List<CostRule> rules) {
    this.defaultCredits = defaultCredits;
    this.rules = List.copyOf(rules);
    this.fallback = new CostRule("*", "/**", defaultCredits);
    this.headRules = this.rules.stream().anyMatch(CostRule::forHead);
  }

  /**
   * Every request costs {@code defaultCredits}.
   *
   * @throws IllegalArgumentException if it is negative or above {@link Requirements#MAX_CREDITS}
   */
  public static CostRules of(long defaultCredits) {
    return of(defaultCredits, List.of());
  }

  /**
   * {@code rules}, tried in order, else {@code defaultCredits}.
   *
   * @throws SettingException naming {@code defaultCredits} if the default is negative or above
   *     {@link Requirements#MAX_CREDITS}
   */
  public static CostRules of(long defaultCredits, List<CostRule> rules) {
    if (defaultCredits < 0 || defaultCredits > Requirements.MAX_CREDITS) {
      throw SettingException.described("defaultCredits", "default credits must be >= 0 and <= "
          + Requirements.MAX_CREDITS + " but was " + defaultCredits, null);
    }
    return new CostRules(defaultCredits, rules);
  }

  /**
   * Rules from text: entries {@code [METHOD] /pattern = credits [as OPERATION]} separated by commas or line
   * breaks (no method means any; {@code as} names the operation the requests are charged as); blank
   * entries and lines starting with {@code #} are skipped.
   *
   * @throws SettingException naming {@code costRules} if an entry is malformed (the message quotes it),
   *     or {@code defaultCredits} if the default is out of range
   */
  public static CostRules parse(long defaultCredits, String text) {
    List<CostRule> rules = new ArrayList<>();
    for (String line : text.split("\\R")) {
      if (line.trim().startsWith("#")) {
        continue;
      }
      for (String entry : line.split(",")) {
        String e = entry.trim();
        if (!e.isEmpty()) {
          rules.add(parseRule(e));
        }
      }
    }
    return of(defaultCredits, rules);
  }

  /** The builder's name of the setting cost rules are given in. */
  private static final String SETTING = "costRules";

  private static CostRule parseRule(String entry) {
    int eq = entry.lastIndexOf('=');
    if (eq < 0) {
      throw SettingException.described(SETTING,
          "cost rule must be '[METHOD] /pattern = credits [as OPERATION]' but was '" + entry + "'", null);
    }
    String[] lhs = entry.substring(0, eq).trim().split("\\s+");
    String[] rhs = entry.substring(eq + 1).trim().split("\\s+");
    String credits = rhs[0];
    if (lhs.length > 2 || lhs[0].isEmpty() || (rhs.length != 1 && (rhs.length != 3 || !rhs[1].equals("as")))) {
      throw SettingException.described(SETTING,
          "cost rule must be '[METHOD] /pattern = credits [as OPERATION]' but was '" + entry + "'", null);
    }
    String operation = rhs.length == 3 ? rhs[2] : null;
    long n;
    try {
      n = Long.parseLong(credits);
    } catch (NumberFormatException e) {
      throw SettingException.described(SETTING,
          "cost rule credits must be a whole number but were '" + credits + "' in '" + entry + "'", null);
    }
    try {
      return lhs.length == 1 ? new CostRule("*", lhs[0], n, operation) : new CostRule(lhs[0], lhs[1], n, operation);
    } catch (IllegalArgumentException e) {
      throw SettingException.described(SETTING, e.getMessage() + " in cost rule '" + entry + "'", e);
    }
  }

  /** The credits of a request no rule matches. */
  public long defaultCredits() {
    return defaultCredits;
  }

  /** The rules, in the order they are tried. */
  public List<CostRule> rules() {
    return rules;
  }

  /** The rule pricing the request (see the class description), or a {@code * /** = default} rule. */
  public CostRule match(String method, String path) {
    if (rules.isEmpty()) {
      return fallback;
    }
    if (headRules && method.equals("HEAD")) {
      for (CostRule r : rules) {
        if (r.forHead() && r.matches(method, path)) {
          return r;
        }
      }
    }
    for (CostRule r : rules) {
      if (r.matches(method, path)) {
        return r;
      }
    }
    return fallback;
  }

  /** The credits a request of {@code method} to {@code path} costs; 0 means it is not billed. */
  public long costOf(String method, String path) {
    return match(method, path).credits();
  }

  @Override
  public String toString() {
    return "CostRules{default=" + defaultCredits + ", rules=" + rules + '}';
  }
}
