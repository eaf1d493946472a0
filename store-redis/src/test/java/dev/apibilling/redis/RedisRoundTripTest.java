package dev.apibilling.redis;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MINUTE;
import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.Charge;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaPlans;
import dev.apibilling.Reservation;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.WindowSlot;
import dev.apibilling.tck.MutableClock;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Counts what one decision costs on the wire, on the server: the commands Redis received from the store's
 * connection (MONITOR, which shows commands run inside a script as coming from "lua", so only round
 * trips count) and the {@code INFO commandstats} deltas (which count script-inner commands as well).
 */
final class RedisRoundTripTest {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("round-trips");

  private final MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");
  private final String client = "rt-" + UUID.randomUUID();
  private final String connectionName = "apibilling-rt-" + UUID.randomUUID();
  private RedisUsageStore store;
  private ApiBilling billing;
  private String address;

  @BeforeEach
  void openStore() {
    RedisURI named = RedisURI.builder(RedisTestSupport.uri()).withClientName(connectionName).build();
    store = RedisUsageStore.builder(named).keyPrefix(REDIS.prefix()).build();
    billing = ApiBilling.builder().store(store).clock(clock).build();
    billing.updateClientQuotas(client, List.of(
        QuotaDefinition.of(MINUTE, 1_000), QuotaDefinition.of(DAY, 10_000), QuotaDefinition.of(MONTH, 100_000)));
    billing.trackClientUsage(client, 1);
    address = REDIS.addressOf(connectionName);
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void chargeOfThreeQuotasIsOneEvalsha() throws IOException {
    assertThat(REDIS.commandsFrom(address, () -> billing.trackClientUsage(client, 1)))
        .isEqualTo(Map.of("evalsha", 1));
    assertThat(REDIS.commandsFrom(address,
        () -> billing.tryCharge(Charge.of(client, 1).idempotencyKey("once").with("route", "GET /x"))))
        .isEqualTo(Map.of("evalsha", 1));
    assertThat(REDIS.commandsFrom(address, () -> billing.tryCharge(Charge.of(client, 1).idempotencyKey("once"))))
        .as("a replay").isEqualTo(Map.of("evalsha", 1));
    assertThat(REDIS.commandsFrom(address, () -> billing.tryTrackClientUsage(client, 1_000_000)))
        .as("a denial").isEqualTo(Map.of("evalsha", 1));
  }

  @Test
  void reserveAndCommitAreOneEvalshaEach() throws IOException {
    AtomicReference<Reservation> held = new AtomicReference<>();
    assertThat(REDIS.commandsFrom(address,
        () -> held.set(billing.reserve(Charge.of(client, 5)).reservation().orElseThrow())))
        .isEqualTo(Map.of("evalsha", 1));
    assertThat(REDIS.commandsFrom(address, () -> assertThat(billing.commit(held.get(), 3)).isTrue()))
        .isEqualTo(Map.of("evalsha", 1));
    assertThat(REDIS.commandsFrom(address, () -> assertThat(billing.release(held.get())).isFalse()))
        .isEqualTo(Map.of("evalsha", 1));
  }

  @Test
  void chargeAndCommitRecordingUsageEventsAreStillOneEvalshaEach() throws IOException {
    ApiBilling events = ApiBilling.builder().store(store).clock(clock).usageEvents(true)
        .defaultQuotas(List.of(QuotaDefinition.of(DAY, 10_000))).build();
    assertThat(REDIS.commandsFrom(address,
        () -> events.tryCharge(Charge.of(client, 1).idempotencyKey("ev").with("route", "GET /x"))))
        .isEqualTo(Map.of("evalsha", 1));
    AtomicReference<Reservation> held = new AtomicReference<>();
    assertThat(REDIS.commandsFrom(address,
        () -> held.set(events.reserve(Charge.of(client, 5)).reservation().orElseThrow())))
        .isEqualTo(Map.of("evalsha", 1));
    assertThat(REDIS.commandsFrom(address, () -> assertThat(events.commit(held.get(), 3)).isTrue()))
        .isEqualTo(Map.of("evalsha", 1));
    assertThat(store.eventLog().orElseThrow().events(client, 0, Long.MAX_VALUE, null, 10))
        .extracting(e -> e.id()).hasSize(2).first().isEqualTo("ev");
  }

  @Test
  void chargeAndReserveOfAnOperationAreOneEvalshaEach() throws IOException {
    billing.updateClientQuotas(client, QuotaPlans.parseQuotas("day:10000, day:1000 operation=send_email"));
    assertThat(REDIS.commandsFrom(address,
        () -> billing.tryCharge(Charge.of(client, 1).operation("send_email"))))
        .isEqualTo(Map.of("evalsha", 1));
    AtomicReference<Reservation> held = new AtomicReference<>();
    assertThat(REDIS.commandsFrom(address,
        () -> held.set(billing.reserve(Charge.of(client, 5).operation("send_email")).reservation().orElseThrow())))
        .isEqualTo(Map.of("evalsha", 1));
    assertThat(REDIS.commandsFrom(address, () -> assertThat(billing.commit(held.get(), 3)).isTrue()))
        .isEqualTo(Map.of("evalsha", 1));
  }

  @Test
  void statusHistoryAndDeleteAreOneCommandEach() throws IOException {
    LocalDate today = LocalDate.of(2026, 3, 10);
    assertThat(REDIS.commandsFrom(address, () -> billing.status(client))).isEqualTo(Map.of("evalsha", 1));
    assertThat(REDIS.commandsFrom(address, () -> billing.usageHistory(client, today, today)))
        .isEqualTo(Map.of("hgetall", 1));
    assertThat(REDIS.commandsFrom(address, () -> billing.usageHistory(client, "send_email", today, today)))
        .isEqualTo(Map.of("hgetall", 1));
    assertThat(REDIS.commandsFrom(address, () -> billing.deleteUsage(client, today, today)))
        .isEqualTo(Map.of("evalsha", 1));
  }

  /**
   * INFO commandstats is server wide, so other clients of a shared Redis may add to a delta: a delta can
   * only be too high, never too low, so the smallest of a few measurements is the store's own count.
   */
  @Test
  void commandstatsCountOneEvalshaPerDecision() {
    Map<String, Long> fewest = fewestCommands(() -> billing.trackClientUsage(client, 1));
    assertThat(fewest).containsEntry("evalsha", 1L);
    assertThat(fewest.keySet()).as("no EVAL, no SCRIPT LOAD").noneMatch(
        name -> name.equals("eval") || name.startsWith("script"));
    System.out.println("INFO commandstats delta of one charge (3 quotas), INFO itself subtracted: "
        + fewest + ", all commands " + total(fewest) + " = 1 EVALSHA + " + (total(fewest) - 1)
        + " run inside the script");
  }

  /**
   * The same windows charged with and without an operation (neither the first of its day): a plain charge
   * runs the lean plain-charge script, a charge of an operation the decision script, with exactly one more
   * HINCRBY (its daily total) than that script runs for a client-wide charge.
   */
  @Test
  void aChargeOfAnOperationRunsTheDecisionScriptWithOneMoreHincrby() {
    long now = clock.millis();
    long epochDay = Math.floorDiv(now, 86_400_000L);
    List<WindowSlot> windows = List.of(new WindowSlot("day", epochDay * 86_400_000L, (epochDay + 1) * 86_400_000L, -1));
    Runnable plain = () -> store.charge(new ChargeRequest(client, windows, 1, ChargeMode.CHARGE, null, 0, null,
        now, epochDay, Map.of(), now, null, null));
    Runnable operation = () -> store.charge(new ChargeRequest(client, windows, 1, ChargeMode.CHARGE, null, 0, null,
        now, epochDay, Map.of(), now, null, "send_email"));
    plain.run();
    operation.run();

    Map<String, Long> withoutOperation = fewestCommands(plain);
    Map<String, Long> withOperation = fewestCommands(operation);

    // the plain-charge script: exists (reservations?), incrby + pttl (the window), hincrby (the client's day)
    assertThat(withoutOperation).isEqualTo(
        Map.of("evalsha", 1L, "exists", 1L, "incrby", 1L, "pttl", 1L, "hincrby", 1L));
    // the decision script: zrangebyscore (expired reservations), get + pttl (the window), incrby, and
    // hincrby twice (the client's day and the operation's)
    assertThat(withOperation).isEqualTo(
        Map.of("evalsha", 1L, "zrangebyscore", 1L, "get", 1L, "pttl", 1L, "incrby", 1L, "hincrby", 2L));
    System.out.println("INFO commandstats delta of one charge (1 window) without an operation: " + withoutOperation
        + ", with one: " + withOperation);
  }

  /**
   * INFO commandstats is server wide, so other clients of a shared Redis may add to a delta: a delta can
   * only be too high, never too low, so the smallest of a few measurements is the store's own count.
   */
  private static Map<String, Long> fewestCommands(Runnable action) {
    Map<String, Long> fewest = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      Map<String, Long> delta = commandstatsDelta(action);
      if (fewest == null || total(delta) < total(fewest)) {
        fewest = delta;
      }
    }
    return fewest;
  }

  /** Calls per command during {@code action}, without the INFO calls of this measurement. */
  private static Map<String, Long> commandstatsDelta(Runnable action) {
    Map<String, Long> before = REDIS.commandCalls();
    action.run();
    Map<String, Long> after = REDIS.commandCalls();
    Map<String, Long> delta = new HashMap<>();
    after.forEach((name, calls) -> {
      long d = calls - before.getOrDefault(name, 0L);
      if (name.equals("info")) {
        d -= 1; // the first INFO is counted by the second
      }
      if (d > 0) {
        delta.put(name, d);
      }
    });
    return delta;
  }

  private static long total(Map<String, Long> delta) {
    return delta.values().stream().mapToLong(Long::longValue).sum();
  }
}
