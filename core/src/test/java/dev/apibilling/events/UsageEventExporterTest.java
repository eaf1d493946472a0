package dev.apibilling.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.Charge;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.UsageEvent;
import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.spi.StoredEvent;
import dev.apibilling.spi.UsageEventLog;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class UsageEventExporterTest {

  private final MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");
  private final InMemoryUsageStore store = InMemoryUsageStore.create();
  private final ApiBilling billing = ApiBilling.builder().store(store).clock(clock).usageEvents(true)
      .eventSource("urn:test").defaultQuotas(List.of(QuotaDefinition.of(QuotaDuration.DAY, 1000))).build();

  @Test
  void aBatchRejectedTooOftenIsDeadLetteredCountedAndNotDeliveredAgain() {
    billing.tryCharge(Charge.of("acme", 1).idempotencyKey("bad"));
    AtomicInteger attempts = new AtomicInteger();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (UsageEventExporter exporter = UsageEventExporter.builder(store, events -> {
      attempts.incrementAndGet();
      throw new EventRejectedException("400 schema");
    }).clock(clock).maxRejections(2).metrics(ExporterMetrics.monitor(registry)).build()) {
      assertThat(exporter.exportOnce()).isEqualTo(UsageEventExporter.Outcome.FAILED);
      assertThat(exporter.exportOnce()).isEqualTo(UsageEventExporter.Outcome.DEAD_LETTERED);
      assertThat(exporter.exportOnce()).isEqualTo(UsageEventExporter.Outcome.IDLE);
      assertThat(attempts).hasValue(2);
      assertThat(registry.get("apibilling.events.dead").counter().count()).isEqualTo(1);
      assertThat(registry.get("apibilling.events.failed").counter().count()).isEqualTo(1);
      assertThat(registry.get("apibilling.events.lag").gauge().value()).isZero();
    }
  }

  @Test
  void aFailedBatchIsDeliveredAgainFirstAndWholeBeforeNewEvents() {
    List<List<String>> seen = new ArrayList<>();
    AtomicInteger failures = new AtomicInteger(1);
    for (int i = 0; i < 3; i++) {
      billing.tryCharge(Charge.of("acme", 1).idempotencyKey("e" + i));
    }
    try (UsageEventExporter exporter = UsageEventExporter.builder(store, EventSink.callback(events -> {
      seen.add(events.stream().map(UsageEvent::id).toList());
      if (failures.getAndDecrement() > 0) {
        throw new IllegalStateException("receiver away");
      }
    })).clock(clock).batchSize(2).build()) {
      assertThat(exporter.exportOnce()).isEqualTo(UsageEventExporter.Outcome.FAILED);
      billing.tryCharge(Charge.of("acme", 1).idempotencyKey("late"));
      assertThat(exporter.exportOnce()).isEqualTo(UsageEventExporter.Outcome.DELIVERED);
      assertThat(exporter.exportOnce()).isEqualTo(UsageEventExporter.Outcome.DELIVERED);
      assertThat(exporter.exportOnce()).isEqualTo(UsageEventExporter.Outcome.IDLE);
    }
    assertThat(seen).containsExactly(List.of("e0", "e1"), List.of("e0", "e1"), List.of("e2", "late"));
  }

  @Test
  void aBatchClaimedAheadIsNotDeliveredOnceItsLeaseLapsedAndAnotherExporterTookIt() throws Exception {
    for (int i = 0; i < 5; i++) {
      billing.tryCharge(Charge.of("acme", 1).idempotencyKey("e" + i));
    }
    UsageEventLog log = store.eventLog().orElseThrow();
    CountDownLatch claims = new CountDownLatch(2);
    UsageEventLog counted = (UsageEventLog) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {UsageEventLog.class}, (proxy, method, args) -> {
          Object result = method.invoke(log, args);
          if (method.getName().equals("claim")) {
            claims.countDown();
          }
          return result;
        });
    UsageStore observed = (UsageStore) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {UsageStore.class},
        (proxy, method, args) -> method.getName().equals("eventLog") ? Optional.of(counted) : method.invoke(store, args));
    List<String> delivered = new CopyOnWriteArrayList<>();
    try (UsageEventExporter exporter = UsageEventExporter.builder(observed, EventSink.callback(
        events -> events.forEach(e -> delivered.add(e.id())))).clock(clock).batchSize(2).build()) {
      assertThat(exporter.exportOnce()).isEqualTo(UsageEventExporter.Outcome.DELIVERED);
      assertThat(claims.await(10, TimeUnit.SECONDS)).isTrue(); // e0 e1, then e2 e3 claimed ahead
      clock.advance(Duration.ofMinutes(2));
      assertThat(log.claim("other", 10, clock.millis(), 60_000)).extracting(StoredEvent::id)
          .containsExactly("e2", "e3", "e4");
      assertThat(exporter.exportOnce()).isEqualTo(UsageEventExporter.Outcome.IDLE);
    }
    assertThat(delivered).containsExactly("e0", "e1");
  }

  @Test
  void jsonLinesSinkAppendsOneParsableEventPerLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("events.jsonl");
    billing.tryCharge(Charge.of("acme", 2).with("origin", "cli"));
    billing.tryCharge(Charge.of("acme", 3));
    try (UsageEventExporter exporter = UsageEventExporter.builder(store, EventSink.jsonLines(file)).clock(clock).build()) {
      assertThat(exporter.exportOnce()).isEqualTo(UsageEventExporter.Outcome.DELIVERED);
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(2);
    assertThat(lines.stream().map(UsageEvent::fromJson).map(UsageEvent::credits)).containsExactly(2L, 3L);
    assertThat(UsageEvent.fromJson(lines.get(0)).metadata()).containsEntry("origin", "cli");
  }

  @Test
  void deliveredEventsArePurgedAfterTheRetention() {
    billing.tryCharge(Charge.of("acme", 1).idempotencyKey("old"));
    try (UsageEventExporter exporter = UsageEventExporter.builder(store, EventSink.callback(e -> {}))
        .clock(clock).retention(Duration.ofDays(1)).build()) {
      exporter.exportOnce();
      clock.advance(Duration.ofDays(2));
      billing.tryCharge(Charge.of("acme", 1).idempotencyKey("new"));
      exporter.exportOnce();
      assertThat(billing.usageEvents("acme", clock.instant().minus(Duration.ofDays(10)), clock.instant().plusSeconds(1),
          null, 10).events()).extracting(UsageEvent::id).containsExactly("new");
    }
  }
}
