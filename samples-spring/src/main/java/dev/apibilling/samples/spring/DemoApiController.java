package dev.apibilling.samples.spring;

import dev.apibilling.spring.Billed;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The demo API: every handler of the class costs 1 credit ({@code @Billed} on the class), the report 5.
 * The controller knows nothing else about billing: the adapter reserves the credits before a handler runs,
 * answers 429 when a quota is spent, and refunds server errors (charge policy {@code below-500}).
 */
@RestController
@RequestMapping(path = "/api", produces = MediaType.APPLICATION_JSON_VALUE)
@Billed
class DemoApiController {

  @GetMapping("/hello")
  Hello hello() {
    return new Hello("Hello from a billed API", 1);
  }

  @Billed(credits = 5)
  @GetMapping("/report")
  Report report() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    List<Row> rows = List.of("emea", "americas", "apac").stream()
        .map(region -> new Row(region, random.nextInt(100, 1000)))
        .toList();
    return new Report("orders by region", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), rows, 5);
  }

  @GetMapping("/fail")
  ResponseEntity<ProblemDetail> fail() {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
        "/api/fail always fails; failed requests are not charged");
    return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem);
  }

  record Hello(String message, int credits) {}

  record Row(String region, int orders) {}

  record Report(String report, String generatedAt, List<Row> rows, int credits) {}
}
