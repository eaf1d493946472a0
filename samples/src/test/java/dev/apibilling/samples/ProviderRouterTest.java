package dev.apibilling.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.ProviderBudgets;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.tck.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The routing example against two fake providers on loopback HTTP servers, one clock for all (moved by
 * hand, never slept on): a 429 sends the traffic to the fallback until its Retry-After has passed.
 */
final class ProviderRouterTest {

  private final MutableClock clock = MutableClock.at("2026-03-10T10:00:00Z");
  private FakeProvider primary;
  private FakeProvider fallback;
  private ApiBilling billing;
  private ProviderRouter router;

  @BeforeEach
  void start() throws Exception {
    primary = FakeProvider.start(clock, 3, Duration.ofSeconds(30));
    fallback = FakeProvider.start(clock, 0, Duration.ZERO);
    billing = ApiBilling.builder().store(InMemoryUsageStore.create()).clock(clock).build();
    billing.updateClientQuotas("primary", List.of(QuotaDefinition.of(QuotaDuration.DAY, 100_000)));
    billing.updateClientQuotas("fallback", List.of(QuotaDefinition.of(QuotaDuration.DAY, 100_000)));
    router = new ProviderRouter(ProviderBudgets.of(billing, List.of("primary", "fallback")),
        Map.of("primary", primary.uri(), "fallback", fallback.uri()), clock);
  }

  @AfterEach
  void stop() {
    primary.close();
    fallback.close();
    billing.close();
  }

  @Test
  void routesAroundTheProviderAnswering429UntilItsRetryAfterHasPassed() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(router.send("hello", 500)).isEqualTo(new ProviderRouter.Answer("primary", 105, 200));
    }
    assertThat(router.send("hello", 500).provider()).as("primary answers 429: rerouted").isEqualTo("fallback");
    assertThat(primary.hits()).isEqualTo(4);

    clock.advance(Duration.ofSeconds(29));
    assertThat(router.send("hello", 500).provider()).isEqualTo("fallback");
    assertThat(primary.hits()).as("an exhausted provider is not called").isEqualTo(4);

    clock.advance(Duration.ofSeconds(1));
    assertThat(router.send("hello", 500).provider()).isEqualTo("primary");
    assertThat(billing.status("primary").quotas().get(0).used()).as("actual tokens, 429 not charged")
        .isEqualTo(4 * 105);
    assertThat(billing.status("fallback").quotas().get(0).used()).isEqualTo(2 * 105);
  }

  @Test
  void retryAfterIsReadAsSecondsOrAnHttpDate() {
    Instant now = Instant.parse("2026-03-10T10:00:00Z");
    assertThat(ProviderRouter.retryAfter("17", now)).isEqualTo(Duration.ofSeconds(17));
    assertThat(ProviderRouter.retryAfter("Tue, 10 Mar 2026 10:01:30 GMT", now)).isEqualTo(Duration.ofSeconds(90));
    assertThat(ProviderRouter.retryAfter("Tue, 10 Mar 2026 09:00:00 GMT", now)).isEqualTo(Duration.ZERO);
    assertThat(ProviderRouter.retryAfter("soon", now)).isEqualTo(ProviderRouter.DEFAULT_RETRY_AFTER);
    assertThat(ProviderRouter.retryAfter(null, now)).isEqualTo(ProviderRouter.DEFAULT_RETRY_AFTER);
  }
}
