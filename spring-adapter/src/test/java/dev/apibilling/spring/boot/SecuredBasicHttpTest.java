package dev.apibilling.spring.boot;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The secured application authenticating callers with HTTP Basic, and apibilling set to
 * {@code client-resolver=principal} with the application's own challenge.
 */
@SpringBootTest(classes = {SecuredApp.class, SecuredBasicHttpTest.Security.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"apibilling.client-resolver=principal", "apibilling.principal-challenge=Basic realm=\"billing\""})
final class SecuredBasicHttpTest extends SecuredHttpTests {

  @Override
  String[] credentials(String user) {
    String pair = user + ":" + user + "-password";
    return new String[] {"Authorization",
        "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8))};
  }

  @Override
  String challenge() {
    return "Basic realm=\"billing\"";
  }

  /** Spring Security with HTTP Basic and users in memory. */
  @Configuration(proxyBeanMethods = false)
  static class Security {
    @Bean
    SecurityFilterChain basicSecurity(HttpSecurity http) throws Exception {
      SecuredApp.authorizeUrls(http);
      return http.httpBasic(Customizer.withDefaults()).build();
    }

    @Bean
    InMemoryUserDetailsManager users() {
      return new InMemoryUserDetailsManager(
          user("alice", "USER"), user("admin", "ADMIN"), user("dave", "USER"), user("bob", "USER"));
    }

    private static org.springframework.security.core.userdetails.UserDetails user(String name, String role) {
      return User.withUsername(name).password("{noop}" + name + "-password").roles(role).build();
    }
  }
}
