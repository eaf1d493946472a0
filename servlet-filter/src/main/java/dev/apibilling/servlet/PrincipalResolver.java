package dev.apibilling.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.regex.Pattern;

/** The authenticated principal's name is the client id; no principal is a 401 with a challenge. */
final class PrincipalResolver implements ClientResolver {

  /** The challenge of {@link ClientResolver#principal()}: the one the API-key resolver sends too. */
  static final String DEFAULT_CHALLENGE = "Bearer";

  /** An auth-scheme (RFC 9110 token), then optionally parameters of visible ASCII and spaces. */
  private static final Pattern CHALLENGE = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+( [\\x20-\\x7e]*)?");

  static final PrincipalResolver INSTANCE = new PrincipalResolver(DEFAULT_CHALLENGE);

  private final ClientResolution missing;

  PrincipalResolver(String challenge) {
    if (challenge == null || !CHALLENGE.matcher(challenge).matches()) {
      throw new IllegalArgumentException("principal challenge must be a WWW-Authenticate challenge (an auth-scheme"
          + " such as Basic or Bearer, then its parameters, visible ASCII) but was '" + challenge + "'");
    }
    this.missing = ClientResolution.missing(challenge);
  }

  @Override
  public ClientResolution resolve(HttpServletRequest request) {
    Principal p = request.getUserPrincipal();
    if (p == null || p.getName() == null || p.getName().isBlank()) {
      return missing;
    }
    return ClientResolution.resolved(p.getName());
  }

  @Override
  public String toString() {
    return "principal";
  }
}
