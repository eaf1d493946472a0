package dev.apibilling.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.Charge;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.UsageEvent;
import dev.apibilling.events.EventSink;
import dev.apibilling.events.UsageEventExporter;
import dev.apibilling.spi.UsageStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An exporting process killed with {@code SIGKILL} in the middle of a batch loses no event and changes
 * none: the batch it was delivering is delivered again, byte for byte, by the exporter that takes over.
 * A store's test extends this class with a {@code main} that opens the same store and calls
 * {@link #exportForever}.
 */
public abstract class KilledExporterContract {

  /** A store object over the backend under test. */
  protected abstract UsageStore newStore();

  /**
   * The class whose {@code main} opens the same store from {@link #exporterArgs()} and calls
   * {@link #exportForever} with the receiver's URI, its last argument.
   */
  protected abstract Class<?> exporterMain();

  /** The arguments that tell {@link #exporterMain()} where the store is. */
  protected abstract List<String> exporterArgs();

  /** Exports {@code store}'s events to {@code receiver} in batches of 20 until the process dies. */
  public static void exportForever(UsageStore store, URI receiver) throws InterruptedException {
    UsageEventExporter.builder(store, EventSink.cloudEventsHttp(receiver))
        .consumer("child-" + ProcessHandle.current().pid()).batchSize(20).lease(Duration.ofMinutes(5))
        .pollInterval(Duration.ofMillis(20)).build().start();
    new CountDownLatch(1).await();
  }

  @Test
  void anExporterKilledMidBatchLosesNothingAndCreatesNoEventWithTheSameIdButOtherContent() throws Exception {
    try (UsageStore store = newStore(); EventReceiver receiver = new EventReceiver()) {
      ApiBilling billing = ApiBilling.builder().store(store).usageEvents(true)
          .defaultQuotas(List.of(QuotaDefinition.of(QuotaDuration.DAY, 1_000_000))).build();
      String client = "kill-" + UUID.randomUUID();
      Set<String> charged = new HashSet<>();
      for (int i = 0; i < 100; i++) {
        billing.tryCharge(Charge.of(client, 1 + i % 5).idempotencyKey("k" + i).with("n", Integer.toString(i)));
        charged.add("k" + i);
      }
      receiver.stallRequest(2);
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), exporterMain().getName()));
      command.addAll(exporterArgs());
      command.add(receiver.uri().toString());
      Process child = new ProcessBuilder(command)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      try {
        assertThat(receiver.awaitStalled(60, TimeUnit.SECONDS)).as("the child delivered a second batch").isTrue();
      } finally {
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      List<String> inFlight = new ArrayList<>();
      receiver.deliveries().forEach((k, n) -> inFlight.add(k));
      assertThat(inFlight).hasSize(40);

      // the claim of the killed process lapses: an exporter whose clock is past its lease takes over
      Clock later = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(6));
      try (UsageEventExporter takeover = UsageEventExporter.builder(store, EventSink.cloudEventsHttp(receiver.uri()))
          .clock(later).batchSize(50).build()) {
        while (takeover.exportOnce() != UsageEventExporter.Outcome.IDLE) {
          // drain
        }
      }
      Set<String> received = new HashSet<>();
      for (UsageEvent e : receiver.events()) {
        if (e.clientId().equals(client)) {
          received.add(e.id());
        }
      }
      assertThat(received).isEqualTo(charged);
      assertThat(receiver.conflicts()).isEmpty();
      assertThat(receiver.deliveries().values()).contains(2).allMatch(n -> n <= 2);
      billing.close();
    }
  }
}
