package dev.apibilling.servlet;

import dev.apibilling.Requirements;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Enumeration;
import org.jspecify.annotations.Nullable;

/**
 * The store key of a request's {@code Idempotency-Key}: the header read once (an RFC 8941 string or a
 * token), checked by {@link Requirements#idempotencyKey}, scoped to the request and hashed.
 */
final class IdempotencyKeys {

  private IdempotencyKeys() {}

  /**
   * The key the store records the request under: the client's key scoped to the method, request URI
   * and credits, hashed to a fixed length; null without the header.
   *
   * @throws IllegalArgumentException if the header is repeated or its value malformed
   */
  static @Nullable String of(HttpServletRequest request, long credits) {
    if (request.getHeader(RequestBilling.IDEMPOTENCY_KEY_HEADER) == null) {
      return null; // the common case, without an enumeration
    }
    Enumeration<String> values = request.getHeaders(RequestBilling.IDEMPOTENCY_KEY_HEADER);
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    String raw = values.nextElement();
    if (values.hasMoreElements()) {
      throw new IllegalArgumentException(RequestBilling.IDEMPOTENCY_KEY_HEADER + " must be sent once but was repeated");
    }
    String key = Requirements.idempotencyKey(unquote(raw.trim()));
    String query = request.getQueryString();
    String scope = request.getMethod() + ' ' + request.getRequestURI() + (query == null ? "" : "?" + query)
        + ' ' + credits + ' ' + key;
    return "k1:" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(scope));
  }

  /** The key of an RFC 8941 string ({@code "abc"}), or the text itself if it is not quoted. */
  private static String unquote(String value) {
    if (value.isEmpty() || value.charAt(0) != '"') {
      return value;
    }
    if (value.length() < 2 || value.charAt(value.length() - 1) != '"') {
      throw new IllegalArgumentException(
          RequestBilling.IDEMPOTENCY_KEY_HEADER + " starting with '\"' must be a quoted string ending in '\"'");
    }
    StringBuilder b = new StringBuilder(value.length());
    for (int i = 1; i < value.length() - 1; i++) {
      char c = value.charAt(i);
      if (c == '\\') {
        char next = i + 1 < value.length() - 1 ? value.charAt(i + 1) : 0;
        if (next != '"' && next != '\\') {
          throw new IllegalArgumentException(RequestBilling.IDEMPOTENCY_KEY_HEADER
              + " may escape only '\"' and '\\' in a quoted string but had '\\' at index " + i);
        }
        b.append(next);
        i++;
      } else if (c == '"') {
        throw new IllegalArgumentException(
            RequestBilling.IDEMPOTENCY_KEY_HEADER + " must escape '\"' inside a quoted string (index " + i + ")");
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
