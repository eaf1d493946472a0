package dev.apibilling.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Reads an API key from a header or a bearer token and looks it up in a registry. */
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
    String key = presentedKey(request);
    if (key == null) {
      return missing;
    }
    if (key.length() > MAX_KEY_LENGTH) {
      return ClientResolution.unknown();
    }
    String client = keys.clientOf(key);
    return client == null ? ClientResolution.unknown() : ClientResolution.resolved(client);
  }

  private @Nullable String presentedKey(HttpServletRequest request) {
    String key = request.getHeader(header);
    if (key != null && !key.isBlank()) {
      return key.trim();
    }
    if (bearer) {
      String auth = request.getHeader("Authorization");
      if (auth != null && auth.length() > 7 && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
        String token = auth.substring(7).trim();
        if (!token.isEmpty()) {
          return token;
        }
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "api-key(" + header + (bearer ? ", Authorization: Bearer" : "") + ")";
  }
}
