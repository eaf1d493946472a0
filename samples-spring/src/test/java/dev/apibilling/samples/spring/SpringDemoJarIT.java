package dev.apibilling.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar target/apibilling-samples-spring.jar} works as the README says: the repackaged jar,
 * started as a process on a free port, prints one line with its URL and answers billed calls.
 */
final class SpringDemoJarIT {

  private static final Pattern READY = Pattern.compile("listening on (http://\\S+/) ");

  @Test
  void executableJarStartsPrintsItsUrlAndBillsCalls() throws Exception {
    String jar = System.getProperty("apibilling.demo.jar");
    if (jar == null) {
      Assumptions.abort("integration test: runs with `mvn verify` (maven-failsafe-plugin), after `package`");
    }
    assertThat(Path.of(jar)).as("the repackaged jar").isRegularFile();
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar, "--port=0")
        .redirectErrorStream(true).start();
    StringBuffer output = new StringBuffer();
    CompletableFuture<URI> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          output.append(line).append('\n');
          Matcher m = READY.matcher(line);
          if (m.find()) {
            ready.complete(URI.create(m.group(1)));
          }
        }
      } catch (java.io.IOException e) {
        // the process ended
      }
      ready.completeExceptionally(new IllegalStateException("the demo exited before it was ready"));
    }, "spring-demo-output");
    reader.setDaemon(true);
    reader.start();
    try {
      URI base;
      try {
        base = ready.get(90, TimeUnit.SECONDS);
      } catch (Exception e) {
        base = fail("the Spring Boot demo did not start: " + e + "\n--- its output ---\n" + output);
      }
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> hello = client.send(HttpRequest.newBuilder(base.resolve("api/hello"))
          .header("X-Api-Key", "demo-key").timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> page = client.send(HttpRequest.newBuilder(base.resolve("billing/"))
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(hello.statusCode()).isEqualTo(200);
      assertThat(hello.headers().firstValue("RateLimit-Policy")).hasValueSatisfying(
          v -> assertThat(v).startsWith("\"minute\";q=10;w=60, \"month\";q=1000;w="));
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(output.toString().lines()).as(output.toString()).hasSize(1);
      assertThat(output.toString()).startsWith("apibilling Spring Boot demo listening on " + base)
          .contains("(store memory)");
    } finally {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
