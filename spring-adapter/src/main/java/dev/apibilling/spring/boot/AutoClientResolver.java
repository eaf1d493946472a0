package dev.apibilling.spring.boot;

import dev.apibilling.servlet.ClientResolution;
import dev.apibilling.servlet.ClientResolver;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.util.ClassUtils;

/**
 * The resolver of {@code apibilling.client-resolver=auto}. With Spring Security in effect it is the
 * principal resolver alone: Spring Security authenticates, apibilling bills whom it authenticated, and an
 * anonymous request is a 401 rather than a look-up of whatever bearer token it carries (often one meant
 * for something else). Without Spring Security it is the principal (the container's authentication),
 * else the API key.
 */
final class AutoClientResolver implements ClientResolver {

  /** The bean {@code @EnableWebSecurity} registers (Spring Security 6 and 7). */
  static final String SECURITY_FILTER_CHAIN_BEAN = "springSecurityFilterChain";

  private final ClientResolver principal;
  private final @Nullable ClientResolver apiKey;

  private AutoClientResolver(ClientResolver principal, @Nullable ClientResolver apiKey) {
    this.principal = principal;
    this.apiKey = apiKey;
  }

  /** The auto resolver for an application with the given beans. */
  static ClientResolver of(ClientResolver principal, ClientResolver apiKey, BeanFactory beans) {
    return new AutoClientResolver(principal, springSecurity(beans) ? null : apiKey);
  }

  /** Whether Spring Security's web filter chain is on the class path and configured in the application. */
  static boolean springSecurity(BeanFactory beans) {
    return ClassUtils.isPresent("org.springframework.security.web.FilterChainProxy",
        AutoClientResolver.class.getClassLoader()) && beans.containsBean(SECURITY_FILTER_CHAIN_BEAN);
  }

  @Override
  public ClientResolution resolve(HttpServletRequest request) {
    ClientResolution who = principal.resolve(request);
    return apiKey == null || who.outcome() != ClientResolution.Outcome.MISSING ? who : apiKey.resolve(request);
  }

  @Override
  public String toString() {
    return apiKey == null ? "principal (auto: Spring Security is in effect)"
        : "principal, else " + apiKey + " (auto: no Spring Security)";
  }
}
