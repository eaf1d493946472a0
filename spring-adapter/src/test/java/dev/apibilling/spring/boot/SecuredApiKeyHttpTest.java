package dev.apibilling.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The secured application authenticating callers by an API key with a filter of its own in Spring
 * Security's chain, and apibilling's default {@code client-resolver=auto}.
 */
@SpringBootTest(classes = {SecuredApp.class, SecuredApiKeyHttpTest.Security.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class SecuredApiKeyHttpTest extends SecuredHttpTests {

  @Override
  String[] credentials(String user) {
    return new String[] {"X-Api-Key", user + "-key"};
  }

  @Override
  String challenge() {
    return "Bearer";
  }

  @Test
  void autoResolverUnderSpringSecurityDoesNotReadABearerTokenOfAnAnonymousRequest() throws Exception {
    HttpResponse<String> apibillingKey = get("/api/public/billed", "Authorization", "Bearer carol-token");
    HttpResponse<String> foreignToken = get("/api/public/billed", "Authorization", "Bearer eyJhbGciOi.oauth");

    assertThat(apibillingKey.statusCode()).as("not billed to carol behind Spring Security's back").isEqualTo(401);
    assertThat(foreignToken.statusCode()).as("a token meant for something else: 401, not 403").isEqualTo(401);
    assertThat(used("carol")).isZero();
    assertThat(LOGGED)
        .anyMatch(line -> line.contains("client resolver principal (auto: Spring Security is in effect)"));
  }

  /** Spring Security with an API-key authentication filter; unknown keys are refused by it. */
  @Configuration(proxyBeanMethods = false)
  static class Security {
    private static final Map<String, List<String>> USERS = Map.of(
        "alice-key", List.of("alice", "ROLE_USER"), "admin-key", List.of("admin", "ROLE_ADMIN"),
        "dave-key", List.of("dave", "ROLE_USER"), "bob-key", List.of("bob", "ROLE_USER"));

    @Bean
    SecurityFilterChain apiKeySecurity(HttpSecurity http) throws Exception {
      SecuredApp.authorizeUrls(http);
      return http
          .addFilterBefore(new ApiKeyAuthentication(), AnonymousAuthenticationFilter.class)
          .exceptionHandling(e -> e.authenticationEntryPoint(new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED)))
          .build();
    }

    static final class ApiKeyAuthentication extends OncePerRequestFilter {
      /** Authenticates the async dispatch of a request too: the context is not kept in a repository. */
      @Override
      protected boolean shouldNotFilterAsyncDispatch() {
        return false;
      }

      @Override
      protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
          throws ServletException, IOException {
        String key = request.getHeader("X-Api-Key");
        if (key != null) {
          List<String> user = USERS.get(key);
          if (user == null) {
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            return;
          }
          SecurityContext context = SecurityContextHolder.createEmptyContext();
          context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
              user.get(0), null, List.of(new SimpleGrantedAuthority(user.get(1)))));
          SecurityContextHolder.setContext(context);
        }
        chain.doFilter(request, response);
      }
    }
  }
}
