package dev.apibilling.samples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The demo jar's command line, run as a user runs it: bad flags print the usage and exit non-zero. */
final class DemoFlagsIT {

  @Test
  void helpPrintsTheUsageAndExitsZero() throws Exception {
    DemoProcess.Finished run = DemoProcess.run("--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.stdout()).startsWith("Usage: java -jar apibilling-samples.jar")
        .contains("--port N", "--store URL", "demo-key", "pro-key");
  }

  @Test
  void portThatIsNotANumberPrintsTheProblemAndTheUsageAndExits2() throws Exception {
    DemoProcess.Finished run = DemoProcess.run("--port", "eighty");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr())
        .contains("--port must be a whole number from 0 to 65535 but was 'eighty'")
        .contains("Usage: java -jar apibilling-samples.jar");
    assertThat(run.stdout()).doesNotContain("listening");
  }

  @Test
  void unknownFlagPrintsTheUsageAndExits2() throws Exception {
    DemoProcess.Finished run = DemoProcess.run("--stor", "memory");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr()).contains("unknown option '--stor'").contains("Usage:");
  }

  @Test
  void flagWithoutItsValuePrintsTheUsageAndExits2() throws Exception {
    DemoProcess.Finished run = DemoProcess.run("--port");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr()).contains("--port needs a value").contains("Usage:");
  }

  @Test
  void storeUrlNoStoreSupportsStopsTheDemoWithStatus1() throws Exception {
    DemoProcess.Finished run = DemoProcess.run("--port", "0", "--store", "mongodb://127.0.0.1:27017");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).startsWith("apibilling demo: could not start: init-param 'store': ")
        .contains("no usage store supports 'mongodb:' URLs");
    assertThat(run.stderr().lines()).as("one line, no stack trace: %s", run.stderr()).hasSize(1);
    assertThat(run.stdout()).doesNotContain("listening");
  }

  @Test
  void portAlreadyTakenStopsTheSecondDemoWithStatus1() throws Exception {
    try (DemoProcess first = DemoProcess.start()) {
      String port = Integer.toString(first.base().getPort());

      DemoProcess.Finished second = DemoProcess.run("--port", port);

      assertThat(second.exitCode()).isEqualTo(1);
      assertThat(second.stderr()).startsWith("apibilling demo: could not start: Failed to bind to ")
          .contains(":" + port + ": Address already in use");
      assertThat(second.stderr().lines()).as("one line, no stack trace: %s", second.stderr()).hasSize(1);
    }
  }
}
