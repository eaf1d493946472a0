package dev.apibilling.tck;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.EventDetails;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.Reservation;
import dev.apibilling.UsageEvent;
import dev.apibilling.UsageEventPage;
import dev.apibilling.events.EventSink;
import dev.apibilling.events.HttpEventSink;
import dev.apibilling.events.UsageEventExporter;
import dev.apibilling.spi.StoredEvent;
import dev.apibilling.spi.UsageEventLog;
import dev.apibilling.spi.UsageStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The usage-event contract of every store that records events ({@link UsageStore#eventLog()}): an event
 * exists if and only if its credits counted, and export delivers each once. A store's test extends this
 * class; tests of one class share the store's event log, so each starts by marking leftovers delivered.
 */
public abstract class UsageEventContract {

  protected static final Instant START = Instant.parse("2026-03-10T10:15:30Z");

  protected final MutableClock clock = new MutableClock(START);
  private final List<AutoCloseable> open = new ArrayList<>();
  protected UsageStore store;
  protected ApiBilling billing;
  protected String client;

  /** A store object over the backend under test, sharing data with every other one it returns. */
  protected abstract UsageStore newStore();

  /**
   * Whether {@link UsageEventLog#purgeDelivered} deletes delivered events (true), or the store keeps
   * queryable events for a retention of its own and the call does nothing (false).
   */
  protected boolean purgesDeliveredOnDemand() {
    return true;
  }

  @BeforeEach
  void openStore() {
    store = track(newStore());
    billing = billing(store, "instance-a");
    client = "ev-" + UUID.randomUUID();
    drain(log(store));
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  protected <T extends AutoCloseable> T track(T closeable) {
    open.add(closeable);
    return closeable;
  }

  protected ApiBilling billing(UsageStore s, String source) {
    ApiBilling b = track(ApiBilling.builder().store(s).clock(clock).usageEvents(true).eventSource(source)
        .defaultQuotas(List.of(QuotaDefinition.of(DAY, 1_000_000), QuotaDefinition.of(MONTH, 10_000_000)))
        .build());
    return b;
  }

  protected static UsageEventLog log(UsageStore s) {
    return s.eventLog().orElseThrow();
  }

  private void drain(UsageEventLog log) {
    for (List<StoredEvent> batch = log.claim("drain", 10_000, Long.MAX_VALUE / 2, 1);
        !batch.isEmpty(); batch = log.claim("drain", 10_000, Long.MAX_VALUE / 2, 1)) {
      log.markDelivered("drain", batch, Long.MAX_VALUE / 4); // never purged by a test's bound
    }
  }

  private List<UsageEvent> eventsOf(String c) {
    List<UsageEvent> all = new ArrayList<>();
    String after = null;
    do {
      UsageEventPage page = billing.usageEvents(c, START.minus(Duration.ofDays(1)),
          START.plus(Duration.ofDays(400)), after, 100);
      all.addAll(page.events());
      after = page.next();
    } while (after != null);
    return all;
  }

  // ---- an event iff the credits counted -------------------------------------------------------

  @Test
  void grantedChargeRecordsOneEventWithItsMetadataAndWindows() {
    billing.tryCharge(Charge.of(client, 5).idempotencyKey("req-1").with("workflow", "wf-\"7\"\u00e9"));
    List<UsageEvent> events = eventsOf(client);
    assertThat(events).hasSize(1);
    UsageEvent e = events.get(0);
    assertThat(e.id()).isEqualTo("req-1");
    assertThat(e.clientId()).isEqualTo(client);
    assertThat(e.credits()).isEqualTo(5);
    assertThat(e.time()).isEqualTo(START);
    assertThat(e.metadata()).containsExactly(Map.entry("workflow", "wf-\"7\"\u00e9"));
    assertThat(e.source()).isEqualTo("instance-a");
    assertThat(e.windows()).extracting(UsageEvent.Window::policy).containsExactly("day", "month");
    assertThat(e.windows().get(0).start()).isEqualTo(Instant.parse("2026-03-10T00:00:00Z"));
    assertThat(log(store).undelivered()).isEqualTo(1);
  }

  @Test
  void replayedRetryAndDeniedChargeRecordNothing() {
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 10)));
    billing.tryCharge(Charge.of(client, 6).idempotencyKey("k"));
    assertThat(billing.tryCharge(Charge.of(client, 6).idempotencyKey("k")).replayed()).isTrue();
    assertThat(billing.tryCharge(Charge.of(client, 6).idempotencyKey("other")).granted()).isFalse();
    assertThat(billing.check(client, 1).granted()).isTrue();
    assertThat(eventsOf(client)).extracting(UsageEvent::id).containsExactly("k");
  }

  @Test
  void plainChargesRefusedByTheirCountsRecordNothing() {
    String two = "two-" + client;
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 10)));
    billing.updateClientQuotas(two, List.of(QuotaDefinition.of(DAY, 100), QuotaDefinition.of(MONTH, 10)));
    assertThat(billing.tryCharge(Charge.of(client, 6)).granted()).isTrue();
    assertThat(billing.tryCharge(Charge.of(client, 6)).granted()).isFalse(); // its one window refuses
    assertThat(billing.tryCharge(Charge.of(two, 6)).granted()).isTrue();
    assertThat(billing.tryCharge(Charge.of(two, 6)).granted()).isFalse(); // the month refuses, the day did not
    assertThat(billing.tryCharge(Charge.of(client, 4)).granted()).isTrue();
    assertThat(eventsOf(client)).extracting(UsageEvent::credits).containsExactly(6L, 4L);
    assertThat(eventsOf(two)).extracting(UsageEvent::credits).containsExactly(6L);
    assertThat(log(store).undelivered()).isEqualTo(3);
  }

  @Test
  void chargesWithoutKeyGetUniqueTimeOrderedIds() {
    for (int i = 0; i < 5; i++) {
      billing.trackClientUsage(client, 1);
      clock.advance(Duration.ofMillis(3));
    }
    List<String> ids = eventsOf(client).stream().map(UsageEvent::id).toList();
    assertThat(ids).hasSize(5).doesNotHaveDuplicates().isSorted();
    assertThat(ids.get(0)).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  }

  @Test
  void committedReservationRecordsTheActualCostAndDetails() {
    Reservation r = billing.reserve(Charge.of(client, 10).idempotencyKey("job-1").with("origin", "batch"))
        .orThrow().reservation().orElseThrow();
    assertThat(eventsOf(client)).isEmpty();
    clock.advance(Duration.ofSeconds(2));
    assertThat(billing.commit(r, 4, new EventDetails("report", "POST", "POST /api/reports/*", 201))).isTrue();
    assertThat(billing.commit(r, 4)).isFalse();
    List<UsageEvent> events = eventsOf(client);
    assertThat(events).hasSize(1);
    UsageEvent e = events.get(0);
    assertThat(e.id()).isEqualTo("job-1");
    assertThat(e.credits()).isEqualTo(4);
    assertThat(e.time()).isEqualTo(START);
    assertThat(e.details()).isEqualTo(new EventDetails("report", "POST", "POST /api/reports/*", 201));
    assertThat(e.metadata()).containsEntry("origin", "batch");
  }

  @Test
  void releasedOrExpiredReservationRecordsNothingAndItsRetryIsRecordedOnce() {
    Reservation released = billing.reserve(Charge.of(client, 3).idempotencyKey("r1")).reservation().orElseThrow();
    billing.release(released);
    billing.reserve(Charge.of(client, 3).idempotencyKey("r2")).reservation().orElseThrow();
    clock.advance(Duration.ofMinutes(11));
    billing.trackClientUsage(client, 1); // gives back the expired reservation
    assertThat(eventsOf(client)).extracting(UsageEvent::credits).containsExactly(1L);
    Reservation retry = billing.reserve(Charge.of(client, 3).idempotencyKey("r1")).reservation().orElseThrow();
    billing.commit(retry, 3);
    assertThat(eventsOf(client)).extracting(UsageEvent::id).endsWith("r1").hasSize(2);
  }

  @Test
  void eventsOfAClientComeInPagesInOrderWithinTheTimeRange() {
    for (int i = 0; i < 5; i++) {
      billing.tryCharge(Charge.of(client, i + 1).idempotencyKey("p" + i));
      clock.advance(Duration.ofMinutes(1));
    }
    billing.trackClientUsage("other-" + client, 1);
    UsageEventPage first = billing.usageEvents(client, START, START.plus(Duration.ofHours(1)), null, 2);
    assertThat(first.events()).extracting(UsageEvent::id).containsExactly("p0", "p1");
    UsageEventPage second = billing.usageEvents(client, START, START.plus(Duration.ofHours(1)), first.next(), 2);
    assertThat(second.events()).extracting(UsageEvent::id).containsExactly("p2", "p3");
    UsageEventPage last = billing.usageEvents(client, START, START.plus(Duration.ofHours(1)), second.next(), 2);
    assertThat(last.events()).extracting(UsageEvent::id).containsExactly("p4");
    assertThat(last.next()).isNull();
    assertThat(billing.usageEvents(client, START.plus(Duration.ofMinutes(1)), START.plus(Duration.ofMinutes(3)),
        null, 10).events()).extracting(UsageEvent::id).containsExactly("p1", "p2");
  }

  // ---- claims and export ----------------------------------------------------------------------

  @Test
  void aClaimIsOneConsumersUntilItsLeaseLapsesAndDeliveredEventsAreNotClaimedAgain() {
    for (int i = 0; i < 4; i++) {
      billing.tryCharge(Charge.of(client, 1).idempotencyKey("c" + i));
    }
    UsageEventLog log = log(store);
    long now = clock.millis();
    List<StoredEvent> a = log.claim("a", 3, now, 60_000);
    assertThat(a).extracting(StoredEvent::id).containsExactly("c0", "c1", "c2");
    List<StoredEvent> b = log(track(newStore())).claim("b", 10, now, 60_000);
    assertThat(b).extracting(StoredEvent::id).containsExactly("c3");
    assertThat(log.claim("b", 10, now + 1_000, 60_000)).isEmpty();
    log.markDelivered("b", b, now);
    assertThat(log.undelivered()).isEqualTo(3);
    List<StoredEvent> lapsed = log.claim("b", 10, now + 60_000, 60_000);
    assertThat(lapsed).extracting(StoredEvent::id).containsExactly("c0", "c1", "c2");
    log.markDelivered("b", lapsed, now + 60_000);
    assertThat(log.undelivered()).isZero();
    assertThat(log.claim("a", 10, now + 500_000, 60_000)).isEmpty();
  }

  @Test
  void purgeDeletesOnlyEventsDeliveredBeforeTheBound() {
    billing.tryCharge(Charge.of(client, 1).idempotencyKey("old"));
    UsageEventLog log = log(store);
    log.markDelivered("x", log.claim("x", 10, 1_000, 60_000), 1_000);
    billing.tryCharge(Charge.of(client, 1).idempotencyKey("new"));
    log.markDelivered("x", log.claim("x", 10, 5_000, 60_000), 5_000);
    billing.tryCharge(Charge.of(client, 1).idempotencyKey("pending"));
    long purged = log.purgeDelivered(2_000);
    if (purgesDeliveredOnDemand()) {
      assertThat(purged).isEqualTo(1);
      assertThat(eventsOf(client)).extracting(UsageEvent::id).containsExactly("new", "pending");
    } else {
      assertThat(purged).isZero();
      assertThat(eventsOf(client)).extracting(UsageEvent::id).containsExactly("old", "new", "pending");
    }
    assertThat(log.undelivered()).isEqualTo(1);
  }

  @Test
  void twoInstancesChargingConcurrentlyExportExactlyOneEventPerBilledCharge() throws Exception {
    ApiBilling other = billing(track(newStore()), "instance-b");
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 400)));
    other.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 400)));
    Map<String, Long> billed = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      futures.add(pool.submit(() -> {
        for (int i = 0; i < 40; i++) {
          String key = "t" + thread + "-" + i;
          Charge charge = Charge.of(client, 1 + i % 7).idempotencyKey(key).with("thread", "t" + thread);
          BillingDecision first = (i % 2 == 0 ? billing : other).tryCharge(charge);
          BillingDecision retry = (i % 2 == 0 ? other : billing).tryCharge(charge);
          if (first.granted()) {
            assertThat(retry.replayed()).isTrue();
            billed.put(key, charge.credits());
          }
        }
        return null;
      }));
    }
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(billed.size()).as("some charges were denied").isLessThan(160).isPositive();

    try (EventReceiver receiver = new EventReceiver()) {
      UsageEventExporter exporter = track(UsageEventExporter.builder(store,
          HttpEventSink.builder(receiver.uri()).build()).clock(clock).batchSize(50).build());
      while (exporter.exportOnce() != UsageEventExporter.Outcome.IDLE) {
        // drain
      }
      Map<String, Long> received = new ConcurrentHashMap<>();
      for (UsageEvent e : receiver.events()) {
        if (e.clientId().equals(client)) {
          received.put(e.id(), e.credits());
          assertThat(e.metadata()).containsEntry("thread", e.id().substring(0, e.id().indexOf('-')));
        }
      }
      assertThat(received).isEqualTo(billed);
      long sum = received.values().stream().mapToLong(Long::longValue).sum();
      assertThat(billing.status(client).quotas().get(0).used()).isEqualTo(sum);
      assertThat(receiver.deliveries().values()).containsOnly(1);
      assertThat(receiver.conflicts()).isEmpty();
      assertThat(receiver.contentTypes()).containsOnly(HttpEventSink.BATCH_CONTENT_TYPE);
    }
  }

  @Test
  void plainChargesRacingGiveBacksAtTheLimitRecordOneEventPerGrantedCharge() throws Exception {
    // one window and no key: the shortest path of every store; reservations given back make a full window
    // grant again, so charges are refused and granted against counts that move under them
    ApiBilling other = billing(track(newStore()), "instance-b");
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 60)));
    other.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 60)));
    List<Long> granted = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      futures.add(pool.submit(() -> {
        ApiBilling mine = thread % 2 == 0 ? billing : other;
        for (int i = 0; i < 60; i++) {
          if (thread < 2) {
            Charge charge = Charge.of(client, 1 + i % 3).with("thread", "t" + thread);
            if (mine.tryCharge(charge).granted()) {
              granted.add(charge.credits());
            }
          } else {
            BillingDecision held = mine.reserve(Charge.of(client, 5));
            if (held.granted()) {
              assertThat(mine.release(held.reservation().orElseThrow())).isTrue();
            }
          }
        }
        return null;
      }));
    }
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();

    List<Long> recorded = new ArrayList<>();
    for (UsageEvent e : eventsOf(client)) {
      recorded.add(e.credits());
      assertThat(e.metadata()).containsKey("thread");
    }
    assertThat(granted).as("some charges were refused").hasSizeLessThan(120);
    assertThat(recorded).containsExactlyInAnyOrderElementsOf(granted);
    long sum = granted.stream().mapToLong(Long::longValue).sum();
    assertThat(billing.status(client).quotas().get(0).used()).isEqualTo(sum).isLessThanOrEqualTo(60);
    assertThat(log(store).undelivered()).isEqualTo(granted.size());
  }

  @Test
  void aReceiverDownForAWhileLosesNothing() throws Exception {
    try (EventReceiver receiver = new EventReceiver()) {
      UsageEventExporter exporter = track(UsageEventExporter.builder(store,
          HttpEventSink.builder(receiver.uri()).build()).clock(clock).batchSize(4).build());
      for (int i = 0; i < 10; i++) {
        billing.tryCharge(Charge.of(client, 2).idempotencyKey("d" + i));
      }
      assertThat(exporter.exportOnce()).isEqualTo(UsageEventExporter.Outcome.DELIVERED);
      receiver.down(true);
      for (int i = 0; i < 5; i++) {
        assertThat(exporter.exportOnce()).isEqualTo(UsageEventExporter.Outcome.FAILED);
        billing.tryCharge(Charge.of(client, 2).idempotencyKey("down" + i));
        clock.advance(Duration.ofSeconds(30));
      }
      receiver.down(false);
      while (exporter.exportOnce() != UsageEventExporter.Outcome.IDLE) {
        clock.advance(Duration.ofSeconds(1));
      }
      Set<String> ids = new HashSet<>();
      receiver.events().forEach(e -> ids.add(e.id()));
      assertThat(ids).hasSize(15);
      assertThat(receiver.conflicts()).isEmpty();
      assertThat(exporter.lag()).isZero();
    }
  }

  @Test
  void twoExportersOnOneStoreDeliverEachEventOnce() throws Exception {
    for (int i = 0; i < 120; i++) {
      billing.trackClientUsage(client, 1);
    }
    try (EventReceiver receiver = new EventReceiver()) {
      List<UsageEventExporter> exporters = List.of(
          track(UsageEventExporter.builder(store, EventSink.cloudEventsHttp(receiver.uri()))
              .consumer("one").batchSize(10).pollInterval(Duration.ofMillis(5)).build()),
          track(UsageEventExporter.builder(track(newStore()), EventSink.cloudEventsHttp(receiver.uri()))
              .consumer("two").batchSize(10).pollInterval(Duration.ofMillis(5)).build()));
      ExecutorService pool = Executors.newFixedThreadPool(2);
      List<Future<Integer>> delivered = new ArrayList<>();
      for (UsageEventExporter x : exporters) {
        delivered.add(pool.submit(() -> {
          int batches = 0;
          while (x.exportOnce() == UsageEventExporter.Outcome.DELIVERED) {
            batches++;
          }
          return batches;
        }));
      }
      int batches = 0;
      for (Future<Integer> f : delivered) {
        batches += f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(batches).isEqualTo(12);
      assertThat(receiver.events()).hasSize(120);
      assertThat(receiver.deliveries().values()).containsOnly(1);
    }
  }
}
