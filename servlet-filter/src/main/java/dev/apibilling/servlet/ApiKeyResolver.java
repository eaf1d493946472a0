package dev.apibilling.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads an API key from a header or a bearer token and looks it up in a registry. The same key may come
 * more than once (repeated fields, or the header and the token); different keys in one request are
 * {@link ClientResolution#ambiguous()}, never billed to one of them.
 */
final class ApiKeyResolver implements ClientResolver {

  static final String DEFAULT_HEADER = "X-Api-Key";

  /** Longer keys are not hashed, just refused: no registry holds them. */
  static final int MAX_KEY_LENGTH = 1024;

  private final ApiKeyRegistry keys;
  private final String header;
  private final boolean bearer;
  private final ClientResolution missing;

  ApiKeyResolver(ApiKeyRegistry keys, String header, boolean bearer) {
    this.keys = Objects.requireNonNull(keys, "keys");
    if (header == null || !header.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
      throw new IllegalArgumentException("api key header must be a header name (token characters) but was '"
          + header + "'");
    }
    this.header = header;
    this.bearer = bearer;
    this.missing = ClientResolution.missing(bearer ? "Bearer" : "ApiKey header=\"" + header + "\"");
  }

  @Override
  public ClientResolution resolve(HttpServletRequest request) {
    String key = null;
    Enumeration<String> values = request.getHeaders(header);
    while (values != null && values.hasMoreElements()) {
      String value = values.nextElement();
      if (value != null && !value.isBlank()) {
        String k = value.trim();
        if (key != null && !key.equals(k)) {
          return ClientResolution.ambiguous();
        }
        key = k;
      }
    }
    if (bearer) {
      // getHeader first: usually absent when the key came in the header, and then no enumeration is made
      Enumeration<String> auth = request.getHeader("Authorization") == null ? null
          : request.getHeaders("Authorization");
      while (auth != null && auth.hasMoreElements()) {
        String token = bearerToken(auth.nextElement());
        if (token != null) {
          if (key != null && !key.equals(token)) {
            return ClientResolution.ambiguous();
          }
          key = token;
        }
      }
    }
    if (key == null) {
      return missing;
    }
    if (key.length() > MAX_KEY_LENGTH) {
      return ClientResolution.unknown();
    }
    String client = keys.clientOf(key);
    return client == null ? ClientResolution.unknown() : ClientResolution.resolved(client);
  }

  private static @Nullable String bearerToken(@Nullable String auth) {
    if (auth != null && auth.length() > 7 && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String token = auth.substring(7).trim();
      return token.isEmpty() ? null : token;
    }
    return null;
  }

  @Override
  public String toString() {
    return "api-key(" + header + (bearer ? ", Authorization: Bearer" : "") + ")";
  }
}
