package dev.apibilling.redis;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaState;
import dev.apibilling.tck.MutableClock;
import io.lettuce.core.cluster.SlotHash;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Key names: any client id is safe, all of a client's keys share one hash slot, ids never reach script text. */
final class RedisKeysTest {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("keys");

  private final MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");

  @Test
  void clientIdOf256CharactersWorksAndKeepsItsKeysInOneSlot() throws Exception {
    String id = "long-" + UUID.randomUUID() + "-" + "x".repeat(256 - 42);
    assertThat(id).hasSize(256);
    decideAndCheckKeys(id);
  }

  @Test
  void clientIdWithSpacesUnicodeAndBracesWorksAndKeepsItsKeysInOneSlot() throws Exception {
    decideAndCheckKeys("acme corp {eu} }{ zürich 日本 \uD83D\uDE80 " + UUID.randomUUID());
  }

  @Test
  void idsThatLookAlikeAfterSanitizingKeepSeparateBudgets() {
    String unique = UUID.randomUUID().toString();
    List<String> ids = List.of("a{" + unique, "a}" + unique, "a_" + unique, "a " + unique);
    assertThat(ids.stream().map(RedisKeys::tag).distinct()).hasSize(ids.size());
    try (RedisUsageStore store = RedisUsageStore.builder(RedisTestSupport.url()).keyPrefix(REDIS.prefix()).build();
        ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build()) {
      for (int i = 0; i < ids.size(); i++) {
        billing.updateClientQuotas(ids.get(i), List.of(QuotaDefinition.of(DAY, 100)));
        billing.trackClientUsage(ids.get(i), i + 1);
      }
      for (int i = 0; i < ids.size(); i++) {
        assertThat(billing.status(ids.get(i)).lowest().used()).isEqualTo(i + 1);
      }
    }
  }

  @Test
  void plainShortIdsAreKeptVerbatimAndOthersAreHashed() throws Exception {
    assertThat(RedisKeys.tag("tenant-42:user@example.com")).isEqualTo("tenant-42:user@example.com");
    String plainButLong = "p".repeat(65);
    assertThat(RedisKeys.tag(plainButLong)).isEqualTo("p".repeat(32) + "~" + sha256(plainButLong));
    // '~' separates the hash, so an id that contains one is hashed too and cannot pose as a hashed id
    String tilde = "a~" + sha256("a b");
    assertThat(RedisKeys.tag(tilde)).isNotEqualTo(RedisKeys.tag("a b")).endsWith(sha256(tilde));
    assertThat(RedisKeys.tag("a b")).isEqualTo("a_b~" + sha256("a b"));
  }

  @Test
  void keyPrefixIsValidated() {
    for (String bad : List.of("", "has space", "{tag}", "brace{", "x".repeat(65), "new\nline")) {
      assertThatThrownBy(() -> RedisUsageStore.builder(RedisTestSupport.url()).keyPrefix(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("keyPrefix must be 1 to 64 of [A-Za-z0-9_.:/-] but was '");
    }
    assertThat(RedisKeys.validPrefix("tenant-a/apibilling.v2:")).isEqualTo("tenant-a/apibilling.v2:");
  }

  /** Reserves under an idempotency key (so every kind of key exists), then inspects the keys in Redis. */
  private void decideAndCheckKeys(String id) throws Exception {
    String prefix = REDIS.prefix() + RedisTestSupport.shortId() + ":";
    try (RedisUsageStore store = RedisUsageStore.builder(RedisTestSupport.url()).keyPrefix(prefix).build();
        ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build()) {
      billing.updateClientQuotas(id, List.of(QuotaDefinition.of(DAY, 100), QuotaDefinition.of(MONTH, 1_000)));
      BillingDecision reserved = billing.reserve(Charge.of(id, 7).idempotencyKey("upload-{1}"));
      assertThat(reserved.granted()).isTrue();
      billing.trackClientUsage(id, 3);
      assertThat(billing.status(id).quotas()).extracting(QuotaState::used).containsExactly(10L, 10L);
      assertThat(billing.tryCharge(Charge.of(id, 7).idempotencyKey("upload-{1}")).replayed()).isTrue();

      List<String> keys = REDIS.keys(prefix);
      // two windows, daily totals, reservation index, the reservation, the idempotent outcome
      assertThat(keys).hasSize(6);
      String tag = RedisKeys.tag(id);
      assertThat(tag).doesNotContain("{", "}").hasSizeLessThanOrEqualTo(32 + 1 + 64);
      int slot = SlotHash.getSlot(keys.get(0));
      for (String key : keys) {
        assertThat(key).startsWith(prefix + "{" + tag + "}:").doesNotContain(id);
        assertThat(hashTag(key)).isEqualTo(tag);
        assertThat(SlotHash.getSlot(key)).isEqualTo(slot);
      }
      assertThat(store.chargeScript()).doesNotContain(id).doesNotContain(tag);
    }
  }

  /** The part of a key Redis Cluster hashes: between the first '{' and the next '}', if not empty. */
  private static String hashTag(String key) {
    int open = key.indexOf('{');
    int close = open < 0 ? -1 : key.indexOf('}', open + 1);
    return close > open + 1 ? key.substring(open + 1, close) : key;
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
