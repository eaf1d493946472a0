package dev.apibilling.redis;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.DailyUsage;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.QuotaState;
import dev.apibilling.Requirements;
import dev.apibilling.Reservation;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.WindowSlot;
import dev.apibilling.tck.MutableClock;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the store leaves in Redis: usage that outlives store objects, expiry relative to the caller's clock, safe give-backs. */
final class RedisPersistenceTest {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("persistence");

  private static final long MINUTE_MS = 60_000;
  private static final long DAY_MS = 86_400_000;

  /** Years away from the real time, so a PEXPIREAT with this clock's time would expire keys at once. */
  private final MutableClock clock = MutableClock.at("2021-06-15T12:00:00Z");
  private final String client = "persist-" + UUID.randomUUID();
  private RedisUsageStore store;

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  private RedisUsageStore.Builder builder() {
    return RedisUsageStore.builder(RedisTestSupport.url()).keyPrefix(REDIS.prefix());
  }

  @Test
  void usageCountedThroughAClosedStoreIsThereForAFreshOne() {
    RedisUsageStore first = builder().build();
    ApiBilling before = ApiBilling.builder().store(first).clock(clock).build();
    before.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 100), QuotaDefinition.of(MONTH, 1_000)));
    before.trackClientUsage(client, 30);
    before.trackClientUsage(client, 12);
    first.close();
    first.close();
    assertThatThrownBy(() -> before.trackClientUsage(client, 1)).isInstanceOf(UsageStoreException.class);

    store = builder().build();
    ApiBilling after = ApiBilling.builder().store(store).clock(clock).build();
    after.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 100), QuotaDefinition.of(MONTH, 1_000)));
    assertThat(after.status(client).quotas()).extracting(QuotaState::used).containsExactly(42L, 42L);
    assertThat(after.trackClientUsage(client, 8).quotas()).extracting(QuotaState::used).containsExactly(50L, 50L);
    assertThat(after.usageHistory(client, LocalDate.of(2021, 6, 15), LocalDate.of(2021, 6, 15)))
        .containsExactly(new DailyUsage(LocalDate.of(2021, 6, 15), 50));
  }

  @Test
  void storeOnTheCallersClientClosesOnlyItsOwnConnection() {
    RedisClient lettuce = RedisClient.create(RedisTestSupport.uri());
    try (StatefulRedisConnection<String, String> other = lettuce.connect()) {
      RedisUsageStore onClient = RedisUsageStore.builder(lettuce).keyPrefix(REDIS.prefix()).build();
      ApiBilling billing = ApiBilling.builder().store(onClient).clock(clock).build();
      billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 10)));
      assertThat(billing.trackClientUsage(client, 6).lowest().used()).isEqualTo(6);
      onClient.close();
      assertThatThrownBy(() -> billing.trackClientUsage(client, 1)).isInstanceOf(UsageStoreException.class);
      assertThat(other.sync().ping()).isEqualTo("PONG");
      try (StatefulRedisConnection<String, String> again = lettuce.connect()) {
        assertThat(again.sync().ping()).isEqualTo("PONG");
      }
    } finally {
      lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Test
  void everyKeyExpiresRelativeToTheCallersNow() {
    store = builder().windowGrace(Duration.ofMinutes(3)).historyRetention(Duration.ofDays(30)).build();
    long now = clock.millis();
    long dayStart = Math.floorDiv(now, DAY_MS) * DAY_MS;
    WindowSlot day = new WindowSlot("day", dayStart, dayStart + DAY_MS, 100);
    WindowSlot minute = new WindowSlot("minute", now - now % MINUTE_MS, now - now % MINUTE_MS + MINUTE_MS, 10);
    long epochDay = Math.floorDiv(now, DAY_MS);
    ChargeResult r = store.charge(new ChargeRequest(client, List.of(day, minute), 4, ChargeMode.RESERVE,
        "ttl-key", now + Duration.ofHours(24).toMillis(), "res-1", now + Duration.ofMinutes(10).toMillis(),
        epochDay, Map.of(), now));
    assertThat(r.granted()).isTrue();

    String base = store.keys().base(client);
    long grace = Duration.ofMinutes(3).toMillis();
    assertTtl(RedisKeys.window(base, day), dayStart + DAY_MS + grace - now);
    assertTtl(RedisKeys.window(base, minute), minute.end() + grace - now);
    assertTtl(RedisKeys.outcome(base, "ttl-key"), Duration.ofHours(24).toMillis());
    // a reservation is kept while any of its windows is, so that it can still be given back
    assertTtl(RedisKeys.reservation(base, "res-1"), dayStart + DAY_MS + grace - now);
    assertTtl(RedisKeys.reservations(base), dayStart + DAY_MS + grace - now);
    assertTtl(RedisKeys.days(base), (epochDay + 1) * DAY_MS + Duration.ofDays(30).toMillis() - now);
  }

  @Test
  void plainChargeKeysExpireRelativeToTheCallersNow() {
    store = builder().windowGrace(Duration.ofMinutes(3)).historyRetention(Duration.ofDays(30)).build();
    long now = clock.millis();
    long dayStart = Math.floorDiv(now, DAY_MS) * DAY_MS;
    WindowSlot day = new WindowSlot("day", dayStart, dayStart + DAY_MS, 100);
    WindowSlot minute = new WindowSlot("minute", now - now % MINUTE_MS, now - now % MINUTE_MS + MINUTE_MS,
        WindowSlot.UNLIMITED);
    long epochDay = Math.floorDiv(now, DAY_MS);
    ChargeResult r = store.charge(new ChargeRequest(client, List.of(day, minute), 4, ChargeMode.CHARGE, null, 0,
        null, 0, epochDay, Map.of(), now));
    assertThat(r.granted()).isTrue();
    assertThat(r.used()).containsExactly(4, 4);

    String base = store.keys().base(client);
    long grace = Duration.ofMinutes(3).toMillis();
    assertTtl(RedisKeys.window(base, day), dayStart + DAY_MS + grace - now);
    assertTtl(RedisKeys.window(base, minute), minute.end() + grace - now);
    assertTtl(RedisKeys.days(base), (epochDay + 1) * DAY_MS + Duration.ofDays(30).toMillis() - now);
    assertThat(REDIS.keys(base)).hasSize(3);
  }

  @Test
  void deniedPlainChargeLeavesEveryKeyAsItWas() {
    store = builder().build();
    ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build();
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(QuotaDuration.MINUTE, 10),
        QuotaDefinition.of(DAY, 5), QuotaDefinition.unlimited(MONTH)));
    String base = store.keys().base(client);

    BillingDecision first = billing.tryTrackClientUsage(client, 6);
    assertThat(first.granted()).isFalse();
    assertThat(first.quotas()).extracting(QuotaState::used).containsExactly(0L, 0L, 0L);
    assertThat(REDIS.keys(base)).as("a denial creates no counter").isEmpty();

    billing.trackClientUsage(client, 3);
    Map<String, String> counts = new java.util.TreeMap<>();
    for (String key : REDIS.keys(base + "w:")) {
      counts.put(key, REDIS.sync().get(key));
    }
    assertThat(counts).hasSize(3).containsValues("3");
    BillingDecision denied = billing.tryTrackClientUsage(client, 3);
    assertThat(denied.granted()).isFalse();
    assertThat(denied.quotas()).extracting(QuotaState::used).containsExactly(3L, 3L, 3L);
    for (Map.Entry<String, String> e : counts.entrySet()) {
      assertThat(REDIS.sync().get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
    }
    assertThat(REDIS.keys(base + "w:")).hasSize(3);
    assertThat(billing.usageHistory(client, LocalDate.of(2021, 6, 15), LocalDate.of(2021, 6, 15)))
        .containsExactly(new DailyUsage(LocalDate.of(2021, 6, 15), 3));
  }

  @Test
  void deniedPlainChargeTakesBackWhatASaturatedWindowGotAndNoMore() {
    long max = Requirements.MAX_CREDITS;
    store = builder().build();
    ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build();
    billing.updateClientQuotas(client, List.of(QuotaDefinition.unlimited(MONTH), QuotaDefinition.of(DAY, max)));
    billing.trackClientUsage(client, max - 5);

    BillingDecision denied = billing.tryTrackClientUsage(client, 10);
    assertThat(denied.granted()).isFalse();
    assertThat(denied.quotas()).extracting(QuotaState::used).containsExactly(max - 5, max - 5);
    assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(max - 5, max - 5);
    assertThat(billing.trackClientUsage(client, 5).quotas()).extracting(QuotaState::used).containsExactly(max, max);
    assertThat(billing.tryTrackClientUsage(client, 1).granted()).isFalse();
    assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(max, max);
  }

  @Test
  void keptWindowsCounterLivesUntilTheEndOfTheWindowThatIsCurrentNow() {
    store = builder().windowGrace(Duration.ofMinutes(3)).build();
    long grace = Duration.ofMinutes(3).toMillis();
    clock.set(java.time.Instant.parse("2027-02-28T12:00:00Z"));
    ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build();
    QuotaDefinition month = QuotaDefinition.of(MONTH, 10).anchoredAt(LocalDate.of(2027, 1, 28));
    billing.updateClientQuotas(client, List.of(month));
    billing.trackClientUsage(client, 10);
    String key = onlyKey(store.keys().base(client) + "w:month:");
    assertTtl(key, java.time.Instant.parse("2027-03-28T00:00:00Z").toEpochMilli() + grace - clock.millis());

    // re-anchored: the window still starts on Feb 28 but ends on Mar 31; the plan change extends the key
    billing.updateClientQuotas(client, List.of(month.anchoredAt(LocalDate.of(2027, 1, 31))));
    assertTtl(key, java.time.Instant.parse("2027-03-31T00:00:00Z").toEpochMilli() + grace - clock.millis());

    // a yearly quota of the same name starting on the same day: a denied charge alone extends the key
    ApiBilling other = ApiBilling.builder().store(store).clock(clock).build();
    other.updateClientQuotas(client, List.of(QuotaDefinition.of(QuotaDuration.YEAR, 10)
        .anchoredAt(LocalDate.of(2026, 2, 28)).named("month")));
    assertThat(other.tryTrackClientUsage(client, 1).granted()).isFalse();
    assertTtl(key, java.time.Instant.parse("2028-02-28T00:00:00Z").toEpochMilli() + grace - clock.millis());
  }

  @Test
  void statusExtendsAKeptWindowsCounter() {
    store = builder().windowGrace(Duration.ofMinutes(3)).build();
    long grace = Duration.ofMinutes(3).toMillis();
    ApiBilling first = ApiBilling.builder().store(store).clock(clock).build();
    first.updateClientQuotas(client, List.of(QuotaDefinition.of(QuotaDuration.MINUTE, 5).named("burst")));
    first.trackClientUsage(client, 5);
    String key = onlyKey(store.keys().base(client) + "w:burst:");
    ApiBilling second = ApiBilling.builder().store(store).clock(clock).build();
    second.updateClientQuotas(client, List.of(QuotaDefinition.of(QuotaDuration.HOUR, 5).named("burst")));
    assertThat(second.status(client).lowest().used()).isEqualTo(5);
    long hourEnd = java.time.Instant.parse("2021-06-15T13:00:00Z").toEpochMilli();
    assertTtl(key, hourEnd + grace - clock.millis());
  }

  @Test
  void givingBackToAWindowThatNoLongerExistsDoesNotCreateIt() {
    store = builder().build();
    ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build();
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 100), QuotaDefinition.of(MONTH, 1_000)));
    Reservation r = billing.reserve(Charge.of(client, 5)).reservation().orElseThrow();
    String base = store.keys().base(client);
    String dayKey = onlyKey(base + "w:day:");
    REDIS.sync().del(dayKey);
    REDIS.sync().hdel(RedisKeys.days(base), Long.toString(LocalDate.of(2021, 6, 15).toEpochDay()));

    assertThat(billing.release(r)).isTrue();
    assertThat(REDIS.sync().exists(dayKey)).isZero();
    assertThat(REDIS.sync().hgetall(RedisKeys.days(base))).isEmpty();
    assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(0L, 0L);
  }

  @Test
  void givingBackMoreThanIsCountedStopsAtZero() {
    store = builder().build();
    ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build();
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 100), QuotaDefinition.of(MONTH, 1_000)));
    Reservation r = billing.reserve(Charge.of(client, 5)).reservation().orElseThrow();
    String base = store.keys().base(client);
    REDIS.sync().set(onlyKey(base + "w:day:"), "2");
    REDIS.sync().hset(RedisKeys.days(base), Long.toString(LocalDate.of(2021, 6, 15).toEpochDay()), "1");

    assertThat(billing.release(r)).isTrue();
    assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(0L, 0L);
    assertThat(REDIS.sync().get(onlyKey(base + "w:day:"))).isEqualTo("0");
    assertThat(billing.usageHistory(client, LocalDate.of(2021, 6, 1), LocalDate.of(2021, 6, 30))).isEmpty();
  }

  @Test
  void expiredReservationIsGivenBackWhenUsageIsRead() {
    store = builder().build();
    ApiBilling billing = ApiBilling.builder().store(store).clock(clock)
        .reservationTtl(Duration.ofMinutes(5)).build();
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 100)));
    billing.reserve(Charge.of(client, 60));
    assertThat(billing.status(client).lowest().used()).isEqualTo(60);
    clock.advance(Duration.ofMinutes(5));
    assertThat(billing.status(client).lowest().used()).isZero();
    assertThat(billing.usageHistory(client, LocalDate.of(2021, 6, 15), LocalDate.of(2021, 6, 15))).isEmpty();
  }

  @Test
  void replayOfCountsNear2To53IsExact() {
    store = builder().build();
    ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build();
    long max = Requirements.MAX_CREDITS;
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(MONTH, max), QuotaDefinition.unlimited(DAY)));
    Charge big = Charge.of(client, max - 2).idempotencyKey("big");
    assertThat(billing.tryCharge(big).quotas()).extracting(QuotaState::used).containsExactly(max - 2, max - 2);
    BillingDecision replay = billing.tryCharge(big);
    assertThat(replay.replayed()).isTrue();
    assertThat(replay.quotas()).extracting(QuotaState::used).containsExactly(max - 2, max - 2);
    assertThat(billing.tryTrackClientUsage(client, 3).granted()).isFalse();
    Reservation r = billing.reserve(Charge.of(client, 2)).reservation().orElseThrow();
    assertThat(billing.commit(r, 1)).isTrue();
    assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(max - 1, max - 1);
    assertThat(billing.usageHistory(client, LocalDate.of(2021, 6, 15), LocalDate.of(2021, 6, 15)))
        .containsExactly(new DailyUsage(LocalDate.of(2021, 6, 15), max - 1));
  }

  @Test
  void settlingMoreThanWasReservedIsRejectedAndChangesNothing() {
    store = builder().build();
    ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build();
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 100)));
    Reservation r = billing.reserve(Charge.of(client, 5)).reservation().orElseThrow();
    assertThatThrownBy(() -> store.settle(new SettleRequest(client, r.id(), 6, clock.millis())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("actual credits must be >= 0 and <= the 5 reserved but was 6");
    assertThat(billing.commit(r, 5)).isTrue();
    assertThat(billing.status(client).lowest().used()).isEqualTo(5);
  }

  @Test
  void daysOlderThanTheHistoryRetentionAreDroppedWhenANewDayStarts() {
    store = builder().historyRetention(Duration.ofDays(10)).build();
    ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build();
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 100)));
    billing.trackClientUsage(client, 1);
    clock.advance(Duration.ofDays(5));
    billing.trackClientUsage(client, 2);
    clock.advance(Duration.ofDays(7));
    billing.trackClientUsage(client, 3);
    assertThat(billing.usageHistory(client, LocalDate.of(2021, 6, 1), LocalDate.of(2021, 6, 30))).containsExactly(
        new DailyUsage(LocalDate.of(2021, 6, 20), 2), new DailyUsage(LocalDate.of(2021, 6, 27), 3));
  }

  @Test
  void scriptsAreLoadedAgainAfterNoScript() throws Exception {
    store = builder().unloadedScripts(UUID.randomUUID().toString()).build();
    String plain = sha1(store.plainChargeScript());
    String charge = sha1(store.chargeScript());
    assertThat(REDIS.sync().scriptExists(plain, charge)).containsExactly(false, false);
    ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build();
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 100)));
    assertThat(billing.trackClientUsage(client, 3).lowest().used()).isEqualTo(3);
    assertThat(REDIS.sync().scriptExists(plain, charge)).as("a plain charge").containsExactly(true, false);
    assertThat(billing.trackClientUsage(client, 4).lowest().used()).isEqualTo(7);
    assertThat(billing.tryCharge(Charge.of(client, 5).idempotencyKey("k")).lowest().used()).isEqualTo(12);
    assertThat(REDIS.sync().scriptExists(plain, charge)).containsExactly(true, true);
    assertThat(billing.tryCharge(Charge.of(client, 5).idempotencyKey("k2")).lowest().used()).isEqualTo(17);
  }

  private static String sha1(String script) throws Exception {
    return HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> builder().commandTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("commandTimeout must be > 0 but was PT0S");
    assertThatThrownBy(() -> builder().windowGrace(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("windowGrace must be > 0 but was PT-1S");
    assertThatThrownBy(() -> builder().historyRetention(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("historyRetention must be > 0 but was PT0S");
  }

  private String onlyKey(String prefix) {
    List<String> keys = REDIS.keys(prefix);
    assertThat(keys).hasSize(1);
    return keys.get(0);
  }

  /** The key's TTL is what the caller's clock says, less the little real time since it was set. */
  private static void assertTtl(String key, long expectedMillis) {
    long ttl = REDIS.sync().pttl(key);
    assertThat(ttl).as("PTTL of %s", key).isBetween(expectedMillis - 60_000, expectedMillis);
  }
}
