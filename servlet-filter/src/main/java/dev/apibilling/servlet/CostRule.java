package dev.apibilling.servlet;

import dev.apibilling.Requirements;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The credits requests of one method and path pattern cost, e.g. {@code POST /api/reports/* = 5}, and
 * optionally the operation they are charged as ({@code POST /api/reports/* = 5 as report}): such a charge
 * also counts against that operation's quotas (see {@link dev.apibilling.Charge#operation()}). Immutable.
 *
 * <p>Patterns are matched segment by segment against the request's path within the application
 * (servlet path plus path info, decoded), empty segments ignored: {@code *} within a segment matches any
 * characters of that segment ({@code *}, {@code *.csv}, {@code v*}), and a whole segment {@code **} matches
 * any number of segments, none included. {@code /api/**} matches {@code /api}, {@code /api/x} and
 * {@code /api/x/y}; {@code /api/*} matches only {@code /api/x}. Matching takes time linear in the path's
 * length times the pattern's, whatever the pattern: several {@code **} never make it backtrack.
 *
 * <p>A rule for {@code GET} also matches {@code HEAD} requests (the container answers them with the GET
 * handler); {@link CostRules} lets a rule for {@code HEAD} itself take precedence.
 */
public final class CostRule {

  /** The longest path pattern, in characters. */
  public static final int MAX_PATTERN_LENGTH = 200;

  private final String method;
  private final String pattern;
  private final long credits;
  private final @Nullable String operation;
  private final PathPattern path;
  private final String route;
  private final Map<String, String> routeMetadata;
  private final boolean routeMetadataValid;

  /**
   * @param method an HTTP method such as {@code POST}, matched exactly, or {@code *} for any
   * @param pattern a path pattern starting with {@code /}, at most {@value #MAX_PATTERN_LENGTH}
   *     characters, no spaces
   * @param credits what a matching request costs: 0 (free: not billed at all) up to
   *     {@link Requirements#MAX_CREDITS}
   * @throws IllegalArgumentException if an argument is not as described
   */
  public CostRule(String method, String pattern, long credits) {
    this(method, pattern, credits, null);
  }

  /**
   * A rule whose requests are charged as {@code operation}.
   *
   * @param operation the operation name (see {@link Requirements#operation}), or null for none
   * @throws IllegalArgumentException if an argument is not as described
   */
  public CostRule(String method, String pattern, long credits, @Nullable String operation) {
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
    this.operation = operation == null ? null : Requirements.operation(operation);
    String[] segments = split(pattern);
    for (String s : segments) {
      if (s.contains("**") && !s.equals("**")) {
        throw new IllegalArgumentException("'**' must be a whole segment of a path pattern but '"
            + pattern + "' has '" + s + "'");
      }
    }
    this.path = new PathPattern(segments);
    this.route = method + " " + pattern;
    this.routeMetadata = Map.of("route", route);
    this.routeMetadataValid = validMetadata(routeMetadata);
  }

  private static boolean validMetadata(Map<String, String> metadata) {
    try {
      Requirements.metadata(metadata);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** {@code method pattern}, as a charge's {@code route} metadata names the rule; built once. */
  String route() {
    return route;
  }

  /** {@code route} and {@link #route()} as a charge's metadata; built once. */
  Map<String, String> routeMetadata() {
    return routeMetadata;
  }

  /**
   * Whether {@link #routeMetadata()} is valid metadata ({@link Requirements#metadata}), checked once: it
   * is unless the pattern has a C1 control character, which the pattern's own check lets through.
   */
  boolean routeMetadataValid() {
    return routeMetadataValid;
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

  /** The operation its requests are charged as, or null. */
  public @Nullable String operation() {
    return operation;
  }

  /**
   * Whether a request of {@code method} to {@code path} matches; a {@code HEAD} request matches a
   * {@code GET} rule too.
   */
  public boolean matches(String method, String path) {
    return matchesMethod(method) && this.path.matches(path);
  }

  private boolean matchesMethod(String requestMethod) {
    return method.equals("*") || method.equals(requestMethod)
        || (method.equals("GET") && requestMethod.equals("HEAD"));
  }

  /** Whether this is a rule for {@code HEAD} itself (not {@code GET} nor any method). */
  boolean forHead() {
    return method.equals("HEAD");
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
        && r.credits == credits && Objects.equals(r.operation, operation);
  }

  @Override
  public int hashCode() {
    return Objects.hash(method, pattern, credits, operation);
  }

  /** {@code METHOD /pattern = credits [as operation]}, the form {@link CostRules#parse} reads. */
  @Override
  public String toString() {
    return method + " " + pattern + " = " + credits + (operation == null ? "" : " as " + operation);
  }
}
