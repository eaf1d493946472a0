package dev.apibilling.spring.boot;

import dev.apibilling.ApiBilling;
import dev.apibilling.servlet.BilledRequest;
import dev.apibilling.spring.Billed;
import dev.apibilling.spring.CostFunction;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.security.Principal;
import java.util.concurrent.Callable;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * The application the HTTP tests run: Boot auto-configuration plus test controllers, a fake clock, a
 * store that can be made to fail, and a simple meter registry.
 */
@SpringBootConfiguration
@EnableAutoConfiguration(excludeName = {
    // Spring Security is on the test class path for the secured-application tests; this application
    // stands for one without it (Boot 3.5 names, then Boot 4 names).
    "org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration",
    "org.springframework.boot.autoconfigure.security.servlet.SecurityFilterAutoConfiguration",
    "org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration",
    "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
    "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
    "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
    "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration"})
@Import({TestClockAndStore.class, BillingTestApp.Api.class, BillingTestApp.PerClass.class,
    BillingTestApp.Unbilled.class,
    BillingTestApp.Failing.class, BillingTestApp.CatchAll.class,
    BillingTestApp.CheapItems.class, BillingTestApp.DearItems.class})
class BillingTestApp {

  static final String START = TestClockAndStore.START;

  @Bean
  SimpleMeterRegistry meterRegistry() {
    return new SimpleMeterRegistry();
  }

  /** Stands in for Spring Security or container authentication: the principal is named in a header. */
  @Bean
  Filter headerAuthentication() {
    return (request, response, chain) -> {
      String user = ((HttpServletRequest) request).getHeader("X-Test-User");
      if (user == null) {
        chain.doFilter(request, response);
        return;
      }
      Principal principal = () -> user;
      chain.doFilter(new HttpServletRequestWrapper((HttpServletRequest) request) {
        @Override
        public Principal getUserPrincipal() {
          return principal;
        }
      }, response);
    };
  }

  /** Prices a request by its {@code X-Tokens} header. */
  @Bean
  TokensCost tokensCost() {
    return new TokensCost();
  }

  static final class TokensCost implements CostFunction {
    @Override
    public long credits(HttpServletRequest request) {
      String tokens = request.getHeader("X-Tokens");
      if (tokens == null) {
        throw new IllegalArgumentException("X-Tokens header is required");
      }
      return Long.parseLong(tokens);
    }
  }

  @RestController
  @RequestMapping("/api")
  static class Api {
    private final ApiBilling billing;

    Api(ApiBilling billing) {
      this.billing = billing;
    }

    @Billed
    @GetMapping("/ping")
    String ping() {
      return "pong";
    }

    @Billed(credits = 5)
    @PostMapping("/reports")
    String report() {
      return "report";
    }

    @Billed(cost = "#params['pages']")
    @GetMapping("/pages")
    String pages() {
      return "pages";
    }

    @Billed(cost = "#pathVariables['size'] == 'xl' ? 10 : 2")
    @GetMapping("/sized/{size}")
    String sized() {
      return "sized";
    }

    @Billed(costFunction = TokensCost.class)
    @GetMapping("/tokens")
    String tokens() {
      return "tokens";
    }

    /** Reserves 10, reports the actual cost from a query parameter. */
    @Billed(credits = 10)
    @GetMapping("/actual")
    String actual(HttpServletRequest request) {
      BilledRequest.of(request).orElseThrow().setActualCredits(Long.parseLong(request.getParameter("used")));
      return "actual";
    }

    /** Fails; the application's catch-all advice answers 500. */
    @Billed
    @GetMapping("/caught")
    String caught() {
      throw new IllegalStateException("handler failed");
    }

    @Billed
    @GetMapping("/unavailable")
    ResponseEntity<String> unavailable() {
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body("down");
    }

    @Billed(credits = 3)
    @GetMapping("/async")
    Callable<String> async() {
      return () -> "later";
    }

    /**
     * An asynchronous handler whose result is ready before it returns: Spring dispatches at once, before
     * the interceptor hears that async handling started.
     */
    @Billed(credits = 3)
    @GetMapping("/async-ready")
    DeferredResult<ResponseEntity<String>> asyncReady() {
      DeferredResult<ResponseEntity<String>> result = new DeferredResult<>();
      result.setResult(ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body("down"));
      return result;
    }

    /** Not billed itself: charges the client named in a header directly, as application code may. */
    @GetMapping("/direct")
    String direct(@RequestHeader("X-Client") String client, @RequestHeader("X-Credits") long credits) {
      billing.trackClientUsage(client, credits);
      return "charged";
    }
  }

  @Billed(credits = 2)
  @RestController
  @RequestMapping("/api/class")
  static class PerClass {
    @GetMapping("/inherited")
    String inherited() {
      return "2";
    }

    @Billed(credits = 3)
    @GetMapping("/override")
    String override() {
      return "3";
    }

    @Billed(credits = 0)
    @GetMapping("/free")
    String free() {
      return "0";
    }
  }

  /** One handler method inherited by two controllers billed differently. */
  abstract static class Items {
    @GetMapping("/items")
    String items() {
      return "items";
    }
  }

  @Billed(credits = 1)
  @RestController
  @RequestMapping("/api/cheap")
  static class CheapItems extends Items {}

  @Billed(credits = 6)
  @RestController
  @RequestMapping("/api/dear")
  static class DearItems extends Items {}

  /** Outside the catch-all advice: its exception reaches the container. */
  @RestController
  static class Failing {
    @Billed
    @GetMapping("/api/boom")
    String boom() {
      throw new IllegalStateException("handler failed");
    }
  }

  /** No @Billed: billed only by the cost rules of the properties. */
  @RestController
  @RequestMapping("/api/plain")
  static class Unbilled {
    @GetMapping("/ruled")
    String ruled() {
      return "ruled";
    }

    @GetMapping("/open")
    String open() {
      return "open";
    }
  }

  /** An application's catch-all handler, which must not swallow billing exceptions. */
  @RestControllerAdvice(assignableTypes = Api.class)
  static class CatchAll {
    @ExceptionHandler(Exception.class)
    ResponseEntity<String> any(Exception e) {
      return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body("caught " + e.getClass().getSimpleName());
    }
  }
}
