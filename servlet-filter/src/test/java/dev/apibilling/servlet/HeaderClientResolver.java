package dev.apibilling.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;

/**
 * A custom resolver for the web.xml test: the client is the value of the header named by the init-param
 * {@code resolver.header}; clients listed in {@code resolver.blocked} are unknown. Public for web.xml.
 */
public final class HeaderClientResolver implements ClientResolver {

  private final String header;
  private final String blocked;

  public HeaderClientResolver(Map<String, String> initParams) {
    this.header = initParams.getOrDefault("resolver.header", "X-Client");
    this.blocked = initParams.getOrDefault("resolver.blocked", "");
  }

  @Override
  public ClientResolution resolve(HttpServletRequest request) {
    String client = request.getHeader(header);
    if (client == null) {
      return ClientResolution.missing();
    }
    return blocked.equals(client) ? ClientResolution.unknown() : ClientResolution.resolved(client);
  }
}
