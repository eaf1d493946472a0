package dev.apibilling.servlet;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Tells which client a request is from: the first step of billing a request, before any quota state
 * exists. Implementations must be thread safe, fast (one call per request), must not allocate state per
 * unknown caller, and must never log or echo credentials.
 *
 * <p>Ready resolvers: {@link #principal()} and {@link #apiKey(ApiKeyRegistry)}. A custom resolver named
 * in {@code web.xml} (init-param {@code client-resolver}) is a public class with a public constructor
 * taking a {@code Map<String, String>} of the filter's init-params, or a public no-argument constructor.
 */
@FunctionalInterface
public interface ClientResolver {

  /** Finds the client of {@code request}; never null. */
  ClientResolution resolve(HttpServletRequest request);

  /**
   * The authenticated principal's name ({@link HttpServletRequest#getUserPrincipal()}) is the client
   * id; no principal is {@link ClientResolution#missing(String)} with the challenge {@code Bearer} (RFC
   * 9110 requires one on a 401; the container's own authentication normally challenges first).
   */
  static ClientResolver principal() {
    return PrincipalResolver.INSTANCE;
  }

  /**
   * The authenticated principal's name is the client id; no principal is a 401 with
   * {@code WWW-Authenticate: challenge}, which should name the scheme the application authenticates
   * with, for example {@code Basic realm="api"}.
   *
   * @throws IllegalArgumentException if {@code challenge} is not an auth-scheme token followed by
   *     optional parameters of visible ASCII
   */
  static ClientResolver principal(String challenge) {
    return new PrincipalResolver(challenge);
  }

  /**
   * An API key in {@code X-Api-Key} or, failing that, {@code Authorization: Bearer}, looked up in
   * {@code keys}. No key is {@link ClientResolution#missing(String)} with the challenge {@code Bearer};
   * a key not in the registry is {@link ClientResolution#unknown()}; different keys in one request (the
   * header twice, or the header and the token) are {@link ClientResolution#ambiguous()}.
   */
  static ClientResolver apiKey(ApiKeyRegistry keys) {
    return new ApiKeyResolver(keys, ApiKeyResolver.DEFAULT_HEADER, true);
  }

  /**
   * An API key in {@code header} (and in {@code Authorization: Bearer} if {@code bearer}), looked up in
   * {@code keys}.
   *
   * @throws IllegalArgumentException if {@code header} is not a valid header name
   */
  static ClientResolver apiKey(ApiKeyRegistry keys, String header, boolean bearer) {
    return new ApiKeyResolver(keys, header, bearer);
  }
}
