package dev.apibilling.servlet;

import dev.apibilling.Requirements;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The credits requests of one method and path pattern cost, e.g. {@code POST /api/reports/* = 5}.
 * Immutable.
 *
 * <p>Patterns are matched segment by segment against the request's path within the application
 * (servlet path plus path info, decoded), empty segments ignored: {@code *} within a segment matches any
 * characters of that segment ({@code *}, {@code *.csv}, {@code v*}), and a whole segment {@code **} matches
 * any number of segments, none included. {@code /api/**} matches {@code /api}, {@code /api/x} and
 * {@code /api/x/y}; {@code /api/*} matches only {@code /api/x}.
 */
public final class CostRule {

  /** The longest path pattern, in characters. */
  public static final int MAX_PATTERN_LENGTH = 200;

  private final String method;
  private final String pattern;
  private final long credits;
  private final String[] segments;

  /**
   * @param method an HTTP method such as {@code POST}, matched exactly, or {@code *} for any
   * @param pattern a path pattern starting with {@code /}, at most {@value #MAX_PATTERN_LENGTH}
   *     characters, no spaces
   * @param credits what a matching request costs: 0 (free: not billed at all) up to
   *     {@link Requirements#MAX_CREDITS}
   * @throws IllegalArgumentException if an argument is not as described
   */
  public CostRule(String method, String pattern, long credits) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(pattern, "pattern");
    if (!method.equals("*") && !method.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}")) {
      throw new IllegalArgumentException(
          "method must be an HTTP method (a token of at most 32 characters) or '*' but was '" + method + "'");
    }
    if (!pattern.startsWith("/") || pattern.length() > MAX_PATTERN_LENGTH
        || !pattern.chars().allMatch(c -> c > 0x20 && c != 0x7f)) {
      throw new IllegalArgumentException("path pattern must start with '/' and be at most "
          + MAX_PATTERN_LENGTH + " characters without spaces or control characters but was '" + pattern + "'");
    }
    if (credits != 0) {
      Requirements.credits(credits);
    }
    this.method = method;
    this.pattern = pattern;
    this.credits = credits;
    this.segments = split(pattern);
    for (String s : segments) {
      if (s.contains("**") && !s.equals("**")) {
        throw new IllegalArgumentException("'**' must be a whole segment of a path pattern but '"
            + pattern + "' has '" + s + "'");
      }
    }
  }

  /** The method, or {@code *}. */
  public String method() {
    return method;
  }

  /** The path pattern. */
  public String pattern() {
    return pattern;
  }

  /** The credits a matching request costs; 0 means it is not billed. */
  public long credits() {
    return credits;
  }

  /** Whether a request of {@code method} to {@code path} matches. */
  public boolean matches(String method, String path) {
    return matches(method, split(path));
  }

  boolean matches(String requestMethod, String[] pathSegments) {
    return (method.equals("*") || method.equals(requestMethod)) && match(0, pathSegments, 0);
  }

  private boolean match(int p, String[] path, int s) {
    if (p == segments.length) {
      return s == path.length;
    }
    if (segments[p].equals("**")) {
      for (int k = s; k <= path.length; k++) {
        if (match(p + 1, path, k)) {
          return true;
        }
      }
      return false;
    }
    return s < path.length && glob(segments[p], path[s]) && match(p + 1, path, s + 1);
  }

  /** Whether {@code text} matches {@code glob}, where {@code *} matches any run of characters. */
  private static boolean glob(String glob, String text) {
    int g = 0;
    int t = 0;
    int star = -1;
    int mark = 0;
    while (t < text.length()) {
      if (g < glob.length() && glob.charAt(g) == '*') {
        star = g++;
        mark = t;
      } else if (g < glob.length() && glob.charAt(g) == text.charAt(t)) {
        g++;
        t++;
      } else if (star >= 0) {
        g = star + 1;
        t = ++mark;
      } else {
        return false;
      }
    }
    while (g < glob.length() && glob.charAt(g) == '*') {
      g++;
    }
    return g == glob.length();
  }

  static String[] split(String path) {
    List<String> parts = new ArrayList<>(8);
    int start = 0;
    for (int i = 0; i <= path.length(); i++) {
      if (i == path.length() || path.charAt(i) == '/') {
        if (i > start) {
          parts.add(path.substring(start, i));
        }
        start = i + 1;
      }
    }
    return parts.toArray(new String[0]);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof CostRule r && r.method.equals(method) && r.pattern.equals(pattern)
        && r.credits == credits;
  }

  @Override
  public int hashCode() {
    return Objects.hash(method, pattern, credits);
  }

  /** {@code METHOD /pattern = credits}, the form {@link CostRules#parse} reads. */
  @Override
  public String toString() {
    return method + " " + pattern + " = " + credits;
  }
}
