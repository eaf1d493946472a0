package dev.apibilling.spring.boot;

import dev.apibilling.ApiBilling;
import dev.apibilling.servlet.ApiBillingFilter;
import dev.apibilling.servlet.ClientResolver;
import dev.apibilling.servlet.CostRules;
import dev.apibilling.servlet.RequestBilling;
import dev.apibilling.spring.Billed;
import jakarta.servlet.DispatcherType;
import java.security.Principal;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * An application secured by real Spring Security, with {@code @Billed} controllers, method security and
 * two billing filters registered around Spring Security's filter chain. The authentication itself (an
 * API-key filter, or HTTP Basic) is added by each test's own configuration.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableMethodSecurity
@Import({TestClockAndStore.class, SecuredApp.Api.class, SecuredApp.Metered.class})
class SecuredApp {

  static final String START = TestClockAndStore.START;

  /** Spring Security's filter chain is registered at order -100 ({@code spring.security.filter.order}). */
  static final int SPRING_SECURITY_ORDER = -100;

  /** The URL rules both variants share: public and error pages open, staff pages for admins, the rest authenticated. */
  static void authorizeUrls(HttpSecurity http) throws Exception {
    http.csrf(csrf -> csrf.disable())
        .authorizeHttpRequests(urls -> urls
            .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
            .requestMatchers("/api/public/**", "/error").permitAll()
            .requestMatchers("/api/staff/**").hasRole("ADMIN")
            .anyRequest().authenticated());
  }

  /** Bills everything under /api/metered/ at 3 credits, after Spring Security (so there is a principal). */
  @Bean
  FilterRegistrationBean<ApiBillingFilter> meteredBilling(ApiBilling billing, ClientResolver resolver) {
    return billingFilter(billing, resolver, "/api/metered/*", SPRING_SECURITY_ORDER + 1, "metered");
  }

  /** The same filter ordered before Spring Security: it runs before anyone is authenticated. */
  @Bean
  FilterRegistrationBean<ApiBillingFilter> earlyBilling(ApiBilling billing, ClientResolver resolver) {
    return billingFilter(billing, resolver, "/api/early/*", SPRING_SECURITY_ORDER - 1, "early");
  }

  private static FilterRegistrationBean<ApiBillingFilter> billingFilter(ApiBilling billing,
      ClientResolver resolver, String path, int order, String name) {
    RequestBilling flow = RequestBilling.builder(billing)
        .clientResolver(resolver)
        .costRules(CostRules.of(3))
        .build();
    FilterRegistrationBean<ApiBillingFilter> registration = new FilterRegistrationBean<>(new ApiBillingFilter(flow));
    registration.addUrlPatterns(path);
    registration.setOrder(order);
    registration.setName(name);
    registration.addInitParameter("context-attribute", "billing." + name);
    return registration;
  }

  /** Every handler costs 2 credits. */
  @Billed(credits = 2)
  @RestController
  @RequestMapping("/api")
  static class Api {
    private final ApiBilling billing;

    Api(ApiBilling billing) {
      this.billing = billing;
    }

    @GetMapping("/secure/ping")
    String ping() {
      return "pong";
    }

    /** Charges the caller's own quota again from inside the handler. */
    @GetMapping("/secure/nested")
    String nested(@RequestParam("credits") long credits, Principal principal) {
      billing.trackClientUsage(principal.getName(), credits);
      return "nested";
    }

    /** Charges a client (the caller if none is named) from inside an asynchronous handler. */
    @GetMapping("/secure/nested-async")
    Callable<String> nestedAsync(@RequestParam("credits") long credits,
        @RequestParam(name = "client", required = false) @Nullable String client, Principal principal) {
      return () -> {
        billing.trackClientUsage(client == null ? principal.getName() : client, credits);
        return "nested";
      };
    }

    @GetMapping("/secure/unknown")
    String unknown() {
      billing.trackClientUsage("nobody-at-all", 1);
      return "unreachable";
    }

    @GetMapping("/secure/status")
    String status(@RequestParam("code") int code) {
      throw new ResponseStatusException(HttpStatus.valueOf(code));
    }

    @GetMapping("/secure/fail")
    String fail() {
      throw new IllegalStateException("handler failed");
    }

    @PreAuthorize("hasRole('ADMIN')")
    @GetMapping("/secure/admin")
    String admin() {
      return "admin";
    }

    @GetMapping("/staff/report")
    String staff() {
      return "staff";
    }

    @GetMapping("/public/billed")
    String publicBilled() {
      return "public";
    }

    @GetMapping("/early/billed")
    String early() {
      return "early";
    }
  }

  /** Under the metered filter: one handler without @Billed, one with a cost of its own. */
  @RestController
  @RequestMapping("/api/metered")
  static class Metered {
    @GetMapping("/plain")
    String plain() {
      return "plain";
    }

    @Billed(credits = 7)
    @GetMapping("/annotated")
    String annotated() {
      return "annotated";
    }
  }
}
