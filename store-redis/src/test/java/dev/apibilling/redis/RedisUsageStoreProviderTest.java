package dev.apibilling.redis;

import static dev.apibilling.QuotaDuration.DAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.UsageStores;
import dev.apibilling.tck.MutableClock;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code UsageStores.open("redis://...")} finds this module's provider. */
final class RedisUsageStoreProviderTest {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("provider");

  private final MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");
  private final String client = "provider-" + UUID.randomUUID();

  @Test
  void openingARedisUrlGivesAWorkingRedisStore() {
    try (UsageStore store = UsageStores.open(RedisTestSupport.url());
        ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build()) {
      assertThat(store).isInstanceOf(RedisUsageStore.class)
          .hasToString("RedisUsageStore[keyPrefix=apibilling:, commandTimeout=PT2S]");
      billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 10)));
      assertThat(billing.trackClientUsage(client, 4).lowest().used()).isEqualTo(4);
      // the default prefix is shared with real use of this Redis: remove this test's client
      String base = "apibilling:{" + client + "}:";
      assertThat(REDIS.keys(base)).isNotEmpty();
      REDIS.deleteKeys(base);
    }
  }

  @Test
  void urlSetsKeyPrefixAndTimeout() {
    String url = withQuery(RedisTestSupport.url(), "keyPrefix=" + REDIS.prefix() + "&timeout=750ms");
    try (UsageStore store = UsageStores.open(url);
        ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build()) {
      assertThat(store).hasToString("RedisUsageStore[keyPrefix=" + REDIS.prefix() + ", commandTimeout=PT0.75S]");
      billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 10)));
      billing.trackClientUsage(client, 1);
      assertThat(REDIS.keys(REDIS.prefix() + "{" + client + "}:")).isNotEmpty();
    }
  }

  @Test
  void malformedUrlIsRejectedNamingIt() {
    for (String bad : List.of("redis://:notaport", "redis://host:99999", "redis://", "redis://a b:6379",
        "redis://127.0.0.1:6379/notadb")) {
      assertThatThrownBy(() -> UsageStores.open(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Redis URL must look like redis://")
          .hasMessageContaining("but was '" + bad + "'");
    }
  }

  @Test
  void malformedUrlMessageMasksThePassword() {
    assertThatThrownBy(() -> UsageStores.open("rediss://default:s3cret@:6380/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rediss://***@:6380/x")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
  }

  @Test
  void badKeyPrefixInTheUrlIsRejected() {
    assertThatThrownBy(() -> UsageStores.open(withQuery(RedisTestSupport.url(), "keyPrefix=%7Bx%7D")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keyPrefix must be 1 to 64 of [A-Za-z0-9_.:/-] but was '{x}'");
  }

  @Test
  void supportsRedisAndRedissUrlsOnly() {
    RedisUsageStoreProvider provider = new RedisUsageStoreProvider();
    assertThat(provider.supports("redis://127.0.0.1:6379")).isTrue();
    assertThat(provider.supports("rediss://user:pw@cache.example.com:6380/1")).isTrue();
    assertThat(provider.supports("REDIS://127.0.0.1")).isTrue();
    assertThat(provider.supports("jdbc:postgresql://127.0.0.1/test")).isFalse();
    assertThat(provider.supports("memory")).isFalse();
    assertThat(provider.supports("http://127.0.0.1:6379")).isFalse();
  }

  @Test
  void serverThatDoesNotAnswerIsAUsageStoreException() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    long start = System.nanoTime();
    assertThatThrownBy(() -> UsageStores.open("redis://127.0.0.1:" + closedPort))
        .isInstanceOf(UsageStoreException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  private static String withQuery(String url, String query) {
    return url + (url.contains("?") ? "&" : "?") + query;
  }
}
