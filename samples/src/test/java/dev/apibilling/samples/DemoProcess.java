package dev.apibilling.samples;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * The packaged demo jar ({@code target/apibilling-samples.jar}, built by {@code package}) run as a separate
 * Java process, as a user runs it. {@link #start} waits, bounded, for the one line the demo prints when it
 * is ready and reads the URL from it; {@link #run} runs the jar to completion.
 */
final class DemoProcess implements AutoCloseable {

  private static final Pattern READY = Pattern.compile("listening on (http://\\S+/) ");
  private static final long START_TIMEOUT_SECONDS = 60;

  private final Process process;
  private final URI base;
  private final StringBuffer output;

  private DemoProcess(Process process, URI base, StringBuffer output) {
    this.process = process;
    this.base = base;
    this.output = output;
  }

  /** Starts the demo on a free loopback port ({@code --port 0}) with the extra {@code args}. */
  static DemoProcess start(String... args) throws IOException, InterruptedException {
    List<String> command = command(args);
    command.add("--port");
    command.add("0");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
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
      } catch (IOException e) {
        // the process ended; what it printed is in output
      }
      ready.completeExceptionally(new IllegalStateException("the demo exited before it was ready"));
    }, "demo-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return new DemoProcess(process, ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS), output);
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      return fail("demo " + String.join(" ", args) + " did not start: " + e.getMessage()
          + "\n--- its output ---\n" + output);
    }
  }

  /** Runs the demo to completion (bounded) and returns its exit status and output. */
  static Finished run(String... args) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command(args)).start();
    CompletableFuture<String> out = readAll(process.getInputStream());
    CompletableFuture<String> err = readAll(process.getErrorStream());
    if (!process.waitFor(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      fail("demo " + String.join(" ", args) + " did not exit within " + START_TIMEOUT_SECONDS + " s");
    }
    return new Finished(process.exitValue(), out.join(), err.join());
  }

  /** What a finished run printed. */
  record Finished(int exitCode, String stdout, String stderr) {}

  /** The demo's base URL, ending in {@code /}. */
  URI base() {
    return base;
  }

  /** {@code path} (without a leading {@code /}) resolved against the base URL. */
  URI uri(String path) {
    return base.resolve(path);
  }

  /** Everything the process printed so far. */
  String output() {
    return output.toString();
  }

  /** Kills the process at once ({@code kill -9}: no shutdown hook, nothing settled) and waits for it, bounded. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      fail("the demo did not die within 20 s of SIGKILL");
    }
  }

  /** Stops the process (SIGTERM, so the demo's shutdown hook closes the store) and waits for it, bounded. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static Path jar() {
    String jar = System.getProperty("apibilling.demo.jar");
    if (jar == null) {
      // Run by surefire (e.g. selected with -Dtest=...): these tests belong to failsafe's integration-test
      // phase, which sets the property after `package` has built the jar.
      Assumptions.abort("integration test: runs with `mvn verify` (maven-failsafe-plugin), after the demo jar"
          + " is packaged");
    }
    if (!Files.isRegularFile(Path.of(jar))) {
      return fail("the demo jar is missing (" + jar + "): run the integration tests with `mvn verify`, "
          + "which builds it in the package phase");
    }
    return Path.of(jar);
  }

  private static List<String> command(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-jar");
    command.add(jar().toString());
    command.addAll(List.of(args));
    return command;
  }

  private static CompletableFuture<String> readAll(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try (in) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, task -> {
      Thread t = new Thread(task, "demo-output");
      t.setDaemon(true);
      t.start();
    });
  }
}
