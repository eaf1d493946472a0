package dev.apibilling.servlet;

import java.util.Locale;

/**
 * Which rate-limit header fields a response carries. {@code Retry-After} on a 429 is plain HTTP and is
 * written with every style, {@link #NONE} included.
 */
public enum HeaderStyle {
  /** {@code RateLimit-Policy} and {@code RateLimit} of draft-ietf-httpapi-ratelimit-headers-10. */
  IETF,
  /** {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining}, {@code X-RateLimit-Reset} (epoch seconds). */
  LEGACY,
  /** Both {@link #IETF} and {@link #LEGACY} (the default). */
  BOTH,
  /** No rate-limit fields. */
  NONE;

  /** Whether the IETF draft fields are written. */
  public boolean ietf() {
    return this == IETF || this == BOTH;
  }

  /** Whether the legacy {@code X-RateLimit-*} fields are written. */
  public boolean legacy() {
    return this == LEGACY || this == BOTH;
  }

  /**
   * The style named {@code text}: {@code ietf}, {@code legacy}, {@code both} or {@code none}, any case.
   *
   * @throws IllegalArgumentException for any other text
   */
  public static HeaderStyle parse(String text) {
    return Names.parse(HeaderStyle.class, "headerStyle", "header style", text);
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
