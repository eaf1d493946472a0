package dev.apibilling.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.Requirements;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.WindowSlot;
import dev.apibilling.tck.MutableClock;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Daily totals per operation as the store keeps them in Redis: what counts, what is given back, reservations
 * recorded before operations had totals, retention, deletion and the keys' slot.
 */
final class RedisOperationHistoryTest {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("ophist");

  private static final long DAY_MS = 86_400_000;

  /** Years away from the real time, as in RedisPersistenceTest: TTLs must follow this clock. */
  private final MutableClock clock = MutableClock.at("2021-06-15T12:00:00Z");
  private final String client = "ophist-" + UUID.randomUUID();
  private RedisUsageStore store;
  private String base;
  private Duration reservationTtl = Duration.ofMinutes(5);

  @BeforeEach
  void openStore() {
    store = RedisUsageStore.builder(RedisTestSupport.url()).keyPrefix(REDIS.prefix())
        .historyRetention(Duration.ofDays(10)).build();
    base = store.keys().base(client);
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  private long today() {
    return Math.floorDiv(clock.millis(), DAY_MS);
  }

  /** The daily window of today, of {@code limit} credits (-1: unlimited). */
  private List<WindowSlot> day(long limit) {
    long start = today() * DAY_MS;
    return List.of(new WindowSlot("day", start, start + DAY_MS, limit));
  }

  private boolean decide(ChargeMode mode, long credits, @Nullable String operation, @Nullable String key,
      @Nullable String reservationId) {
    return decide(mode, credits, operation, key, reservationId, 100);
  }

  private boolean decide(ChargeMode mode, long credits, @Nullable String operation, @Nullable String key,
      @Nullable String reservationId, long limit) {
    long now = clock.millis();
    return store.charge(new ChargeRequest(client, day(limit), credits, mode, key,
        key == null ? 0 : now + Duration.ofHours(1).toMillis(), reservationId, now + reservationTtl.toMillis(),
        today(), Map.of(), now, null, operation)).granted();
  }

  private List<DayTotal> history(String operation) {
    return store.history(client, operation, 0, today() + 10);
  }

  private List<DayTotal> history() {
    return store.history(client, 0, today() + 10);
  }

  @Test
  void grantedChargesAndReservationsCountOnlyOnceAndNotWhenCheckedDeniedOrReplayed() {
    assertThat(decide(ChargeMode.CHARGE, 3, "send", null, null)).isTrue();
    assertThat(decide(ChargeMode.RESERVE, 4, "send", null, "r1")).isTrue();
    assertThat(decide(ChargeMode.CHARGE, 5, "send", "once", null)).isTrue();
    assertThat(decide(ChargeMode.CHARGE, 5, "send", "once", null)).as("a replay").isTrue();
    assertThat(decide(ChargeMode.CHECK, 6, "send", null, null)).isTrue();
    assertThat(decide(ChargeMode.CHARGE, 200, "send", null, null)).as("denied").isFalse();
    assertThat(decide(ChargeMode.CHARGE, 7, null, null, null)).as("client-wide only").isTrue();
    assertThat(decide(ChargeMode.CHARGE, 2, "report", null, null)).isTrue();

    assertThat(history("send")).containsExactly(new DayTotal(today(), 12));
    assertThat(history("report")).containsExactly(new DayTotal(today(), 2));
    assertThat(history("other")).isEmpty();
    assertThat(history()).containsExactly(new DayTotal(today(), 21));
  }

  @Test
  void reservationOfAnOperationGivesBackToThatOperationsDayWhenSettledReleasedOrExpired() {
    long reservedOn = today();
    reservationTtl = Duration.ofDays(2);
    assertThat(decide(ChargeMode.RESERVE, 10, "send", null, "commit")).isTrue();
    assertThat(decide(ChargeMode.RESERVE, 20, "send", null, "release")).isTrue();
    reservationTtl = Duration.ofDays(1).plusMinutes(5);
    assertThat(decide(ChargeMode.RESERVE, 30, "send", null, "expire")).isTrue();
    assertThat(REDIS.sync().hget(RedisKeys.reservation(base, "commit"), "p")).isEqualTo("send");
    // settled the next day: the credits given back leave the reservation's day
    clock.advance(Duration.ofDays(1));
    assertThat(decide(ChargeMode.CHARGE, 1, "send", null, null)).isTrue();

    assertThat(store.settle(new SettleRequest(client, "commit", 4, clock.millis()))).isTrue();
    assertThat(store.history(client, "send", reservedOn, reservedOn)).containsExactly(new DayTotal(reservedOn, 54));
    assertThat(store.settle(new SettleRequest(client, "release", 0, clock.millis()))).isTrue();
    assertThat(store.history(client, "send", reservedOn, reservedOn)).containsExactly(new DayTotal(reservedOn, 34));
    clock.advance(Duration.ofMinutes(5));
    store.usage(client, day(100), clock.millis()); // gives back the expired reservation

    assertThat(store.history(client, "send", 0, today())).containsExactly(
        new DayTotal(reservedOn, 4), new DayTotal(today(), 1));
    assertThat(store.history(client, 0, today())).containsExactly(
        new DayTotal(reservedOn, 4), new DayTotal(today(), 1));
  }

  @Test
  void reservationRecordedWithoutAnOperationFieldSettlesAndExpiresAsBefore() {
    assertThat(decide(ChargeMode.RESERVE, 10, "send", null, "old-commit")).isTrue();
    assertThat(decide(ChargeMode.RESERVE, 20, "send", null, "old-expire")).isTrue();
    // as the script before operation totals recorded them: credits, day, windows, outcome key; no operation
    for (String id : List.of("old-commit", "old-expire")) {
      REDIS.sync().hdel(RedisKeys.reservation(base, id), "p");
      assertThat(REDIS.sync().hgetall(RedisKeys.reservation(base, id))).containsOnlyKeys("c", "d", "w", "o");
    }

    assertThat(store.settle(new SettleRequest(client, "old-commit", 4, clock.millis()))).isTrue();
    clock.advance(Duration.ofMinutes(5));
    assertThat(store.usage(client, day(100), clock.millis())).containsExactly(4);

    assertThat(history()).containsExactly(new DayTotal(today(), 4));
    // the operation's total keeps what it cannot know to give back, never goes wrong otherwise
    assertThat(history("send")).containsExactly(new DayTotal(today(), 30));
  }

  @Test
  void clientWideReservationRecordsNoOperation() {
    assertThat(decide(ChargeMode.RESERVE, 10, null, null, "plain")).isTrue();
    assertThat(REDIS.sync().hgetall(RedisKeys.reservation(base, "plain"))).containsOnlyKeys("c", "d", "w", "o");
    assertThat(store.settle(new SettleRequest(client, "plain", 3, clock.millis()))).isTrue();
    assertThat(history()).containsExactly(new DayTotal(today(), 3));
    assertThat(REDIS.sync().exists(RedisKeys.operations(base))).isZero();
  }

  @Test
  void operationTotalsSaturateAtTheMaximum() {
    long max = Requirements.MAX_CREDITS;
    assertThat(decide(ChargeMode.CHARGE, max - 1, "send", null, null, -1)).isTrue();
    assertThat(decide(ChargeMode.CHARGE, 5, "send", null, null, -1)).isTrue();
    assertThat(history("send")).containsExactly(new DayTotal(today(), max));
    assertThat(history()).containsExactly(new DayTotal(today(), max));
  }

  @Test
  void operationTotalsExpireWithTheHistoryRetentionAndOldDaysAreDropped() {
    long first = today();
    assertThat(decide(ChargeMode.CHARGE, 1, "send", null, null)).isTrue();
    clock.advance(Duration.ofDays(5));
    long second = today();
    assertThat(decide(ChargeMode.CHARGE, 2, "send", null, null)).isTrue();
    clock.advance(Duration.ofDays(7));
    assertThat(decide(ChargeMode.CHARGE, 3, "send", null, null)).isTrue();

    assertThat(history("send")).containsExactly(new DayTotal(second, 2), new DayTotal(today(), 3));
    assertThat(REDIS.sync().hkeys(RedisKeys.operationDays(base, "send"))).doesNotContain(Long.toString(first));
    long ttl = (today() + 1) * DAY_MS + Duration.ofDays(10).toMillis() - clock.millis();
    for (String key : List.of(RedisKeys.days(base), RedisKeys.operationDays(base, "send"),
        RedisKeys.operations(base))) {
      assertThat(REDIS.sync().pttl(key)).as("PTTL of %s", key).isBetween(ttl - 60_000, ttl);
    }
  }

  @Test
  void deleteHistoryDeletesTheOperationsDaysInTheRangeAndCountsTheClientsDays() {
    long first = today();
    assertThat(decide(ChargeMode.CHARGE, 1, "send", null, null)).isTrue();
    assertThat(decide(ChargeMode.CHARGE, 2, "report", null, null)).isTrue();
    clock.advance(Duration.ofDays(1));
    assertThat(decide(ChargeMode.CHARGE, 3, "send", null, null)).isTrue();

    assertThat(store.deleteHistory(client, first, first)).isEqualTo(1);

    assertThat(history("send")).containsExactly(new DayTotal(today(), 3));
    assertThat(history("report")).isEmpty();
    assertThat(history()).containsExactly(new DayTotal(today(), 3));
    assertThat(REDIS.sync().smembers(RedisKeys.operations(base))).containsExactly("send");
    assertThat(store.deleteHistory(client, 0, today())).isEqualTo(1);
    assertThat(history("send")).isEmpty();
    assertThat(REDIS.sync().exists(RedisKeys.operations(base))).isZero();
    // an operation charged again after its totals were deleted is found by the next delete
    assertThat(decide(ChargeMode.CHARGE, 4, "send", null, null)).isTrue();
    assertThat(store.deleteHistory(client, today(), today())).isEqualTo(1);
    assertThat(history("send")).isEmpty();
  }

  @Test
  void everyKeyOfAnOperationIsInTheClientsSlot() {
    assertThat(decide(ChargeMode.RESERVE, 1, "send", "k", "r")).isTrue();
    List<String> keys = REDIS.keys(base);
    assertThat(keys).contains(RedisKeys.operationDays(base, "send"), RedisKeys.operations(base));
    int slot = SlotHash.getSlot(RedisKeys.days(base));
    assertThat(keys).allSatisfy(key -> assertThat(SlotHash.getSlot(key)).isEqualTo(slot));
  }
}
