package dev.apibilling.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;

/** The authenticated principal's name is the client id. */
final class PrincipalResolver implements ClientResolver {

  static final PrincipalResolver INSTANCE = new PrincipalResolver();

  private PrincipalResolver() {}

  @Override
  public ClientResolution resolve(HttpServletRequest request) {
    Principal p = request.getUserPrincipal();
    if (p == null || p.getName() == null || p.getName().isBlank()) {
      return ClientResolution.missing();
    }
    return ClientResolution.resolved(p.getName());
  }

  @Override
  public String toString() {
    return "principal";
  }
}
