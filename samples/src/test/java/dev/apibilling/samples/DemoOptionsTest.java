package dev.apibilling.samples;

import static dev.apibilling.servlet.StoreFailurePolicy.FAIL_CLOSED;
import static dev.apibilling.servlet.StoreFailurePolicy.FAIL_OPEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

final class DemoOptionsTest {

  @Test
  void noFlagsMeanPort8080OnLoopbackWithTheMemoryStore() {
    assertThat(DemoOptions.parse()).isEqualTo(new DemoOptions("127.0.0.1", 8080, "memory", FAIL_OPEN, null, null, false));
  }

  @Test
  void flagsTakeTheirValueAsTheNextArgumentOrAfterAnEqualsSign() {
    assertThat(DemoOptions.parse("--port", "9090", "--store", "redis://127.0.0.1:6379", "--host", "0.0.0.0"))
        .isEqualTo(new DemoOptions("0.0.0.0", 9090, "redis://127.0.0.1:6379", FAIL_OPEN, null, null, false));
    assertThat(DemoOptions.parse("--port=0", "--store=jdbc:h2:file:./usage;MODE=PostgreSQL", "--store-failure=fail-closed"))
        .isEqualTo(new DemoOptions("127.0.0.1", 0, "jdbc:h2:file:./usage;MODE=PostgreSQL", FAIL_CLOSED, null, null, false));
  }

  @Test
  void exportFlagsNameOneSink() {
    assertThat(DemoOptions.parse("--export-to", "http://127.0.0.1:8888/api/v1/events").exportTo())
        .isEqualTo("http://127.0.0.1:8888/api/v1/events");
    assertThat(DemoOptions.parse("--export-file=events.jsonl").exportFile()).isEqualTo("events.jsonl");
    assertThatThrownBy(() -> DemoOptions.parse("--export-to", "ftp://x", "--port", "0"))
        .hasMessage("--export-to must be an http:// or https:// URL but was 'ftp://x'");
    assertThatThrownBy(() -> DemoOptions.parse("--export-to", "http://x/e", "--export-file", "e.jsonl"))
        .hasMessage("--export-to and --export-file cannot be combined: events go to one sink");
  }

  @Test
  void helpIsRecognisedInBothForms() {
    assertThat(DemoOptions.parse("--help").help()).isTrue();
    assertThat(DemoOptions.parse("--leases").leases()).isTrue();
    assertThat(DemoOptions.parse().leases()).isFalse();
    assertThat(DemoOptions.parse("-h").help()).isTrue();
  }

  @Test
  void portOutsideTheRangeOrNotANumberIsRejectedNamingTheFlag() {
    for (String bad : new String[] {"-1", "65536", "abc", "80.5", ""}) {
      assertThatThrownBy(() -> DemoOptions.parse("--port", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("--port must be a whole number from 0 to 65535 but was '" + bad + "'");
    }
  }

  @Test
  void unknownFlagIsRejectedListingTheKnownOnes() {
    assertThatThrownBy(() -> DemoOptions.parse("--prot", "8080"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown option '--prot'; the options are --port, --store, --store-failure, --host, --export-to,"
            + " --export-file, --leases and --help");
  }

  @Test
  void storeFailureTakesEitherPolicyAndRejectsAnythingElseNamingTheFlag() {
    assertThat(DemoOptions.parse("--store-failure", "FAIL-CLOSED").storeFailure()).isEqualTo(FAIL_CLOSED);
    assertThat(DemoOptions.parse("--store-failure", "fail-open").storeFailure()).isEqualTo(FAIL_OPEN);
    assertThatThrownBy(() -> DemoOptions.parse("--store-failure", "fail-sometimes"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--store-failure: store failure policy must be one of [fail-open, fail-closed] but was "
            + "'fail-sometimes'");
  }

  @Test
  void flagWithoutValueIsRejected() {
    assertThatThrownBy(() -> DemoOptions.parse("--store"))
        .hasMessage("--store needs a value");
    assertThatThrownBy(() -> DemoOptions.parse("--port", "--store", "memory"))
        .hasMessage("--port needs a value");
  }

  @Test
  void blankStoreAndRepeatedFlagsAreRejected() {
    assertThatThrownBy(() -> DemoOptions.parse("--store", " "))
        .hasMessage("--store must be a store URL (memory, redis://..., jdbc:...) but was blank");
    assertThatThrownBy(() -> DemoOptions.parse("--port", "1", "--port=2"))
        .hasMessage("--port is given twice");
  }

  @Test
  void baseUrlNamesLocalhostForWildcardAddressesAndBracketsIpv6() {
    assertThat(DemoServer.baseUrl("127.0.0.1", 8080)).isEqualTo("http://127.0.0.1:8080/");
    assertThat(DemoServer.baseUrl("0.0.0.0", 80)).isEqualTo("http://localhost:80/");
    assertThat(DemoServer.baseUrl("::1", 8080)).isEqualTo("http://[::1]:8080/");
  }

  @Test
  void startFailureIsReportedAsTheChainOfDistinctMessages() {
    Exception e = new IOException("Failed to bind to /127.0.0.1:8080",
        new java.net.BindException("Address already in use"));
    assertThat(DemoServer.messages(e)).isEqualTo("Failed to bind to /127.0.0.1:8080: Address already in use");
    Exception wrapped = new IllegalStateException("boom: Address already in use",
        new java.net.BindException("Address already in use"));
    assertThat(DemoServer.messages(wrapped)).isEqualTo("boom: Address already in use");
    Exception pool = new IllegalStateException("store unreachable: Connection refused. Check the port.",
        new RuntimeException("Failed to initialize pool: Connection refused. Check the port."));
    assertThat(DemoServer.messages(pool)).isEqualTo("store unreachable: Connection refused. Check the port.");
  }
}
