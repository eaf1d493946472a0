package dev.apibilling.tck;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MINUTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.ApiBilling;
import dev.apibilling.ProviderBudgets;
import dev.apibilling.ProviderCall;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaState;
import dev.apibilling.spi.UsageStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ProviderBudgets} over a store: exhaustion marks (Retry-After, decay, shared between instances),
 * preference order, commits of the actual credits. A store's test extends this class and implements
 * {@link #newStore()} as for {@link UsageStoreContract}; provider ids are unique per test.
 */
public abstract class ProviderBudgetsContract {

  protected final MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");
  private final List<AutoCloseable> opened = new ArrayList<>();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String primary = "primary-" + run;
  private final String fallback = "fallback-" + run;
  private ApiBilling billing;
  private ProviderBudgets providers;

  /** A store object over the backend under test, sharing data with every other one it returns. */
  protected abstract UsageStore newStore();

  @BeforeEach
  void open() {
    billing = instance();
    providers = ProviderBudgets.of(billing, List.of(primary, fallback));
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  /** One application instance: its own store object and billing, the providers' quotas set. */
  private ApiBilling instance() {
    UsageStore store = newStore();
    ApiBilling b = ApiBilling.builder().store(store).clock(clock).build();
    opened.add(b);
    opened.add(store);
    b.updateClientQuotas(primary, List.of(QuotaDefinition.of(MINUTE, 100), QuotaDefinition.of(DAY, 10_000)));
    b.updateClientQuotas(fallback, List.of(QuotaDefinition.of(DAY, 100_000)));
    return b;
  }

  private String next(long credits) {
    ProviderCall call = providers.reserve(credits).orElseThrow();
    providers.commit(call, credits);
    return call.provider();
  }

  @Test
  void reservesAtTheFirstProviderAndCommitsTheActualCredits() {
    ProviderCall call = providers.reserve(40).orElseThrow();
    assertThat(call.provider()).isEqualTo(primary);
    assertThat(providers.commit(call, 25)).isTrue();
    assertThat(billing.status(primary).quotas().get(0).used()).isEqualTo(25);
    assertThat(providers.commit(call, 25)).as("settled once").isFalse();
  }

  @Test
  void aProviderOutOfQuotaIsSkippedInPreferenceOrder() {
    assertThat(next(100)).isEqualTo(primary);
    assertThat(next(1)).isEqualTo(fallback);
    clock.advance(Duration.ofMinutes(1));
    assertThat(next(1)).as("the minute renewed").isEqualTo(primary);
  }

  @Test
  void a429MarksTheProviderExhaustedUntilItsRetryAfterThenItDecaysByItself() {
    ProviderCall call = providers.reserve(10).orElseThrow();
    Instant until = providers.exhausted(call, Duration.ofSeconds(30));
    assertThat(until).isEqualTo(clock.instant().plusSeconds(30));
    assertThat(billing.status(primary).quotas().get(0).used()).as("the 429 call is released").isZero();
    assertThat(providers.exhaustedUntil(primary)).contains(until);

    assertThat(next(1)).isEqualTo(fallback);
    clock.advance(Duration.ofSeconds(29));
    assertThat(next(1)).isEqualTo(fallback);
    clock.advance(Duration.ofSeconds(1));
    assertThat(providers.exhaustedUntil(primary)).isEmpty();
    assertThat(next(1)).isEqualTo(primary);
  }

  @Test
  void theMarkIsSharedByInstancesAndOnlyEverMovesLater() {
    ProviderBudgets other = ProviderBudgets.of(instance(), List.of(primary, fallback));
    Instant later = clock.instant().plusSeconds(120);
    providers.markExhausted(primary, later);
    assertThat(other.exhaustedUntil(primary)).contains(later);
    assertThat(other.markExhausted(primary, clock.instant().plusSeconds(10))).isEqualTo(later);
    assertThat(providers.exhaustedUntil(primary)).contains(later);
    Instant latest = later.plusSeconds(60);
    assertThat(other.markExhausted(primary, latest)).isEqualTo(latest);
    assertThat(providers.exhaustedUntil(primary)).contains(latest);
    ProviderCall call = other.reserve(1).orElseThrow();
    assertThat(call.provider()).isEqualTo(fallback);
  }

  @Test
  void aProviderPredictedToRunOutIsSkippedWhileAnotherIsLeft() {
    String chosen;
    int calls = 0;
    do {                                                                 // 90 a minute: 130,000 a day
      chosen = next(90);
      clock.advance(Duration.ofMinutes(1));
    } while (chosen.equals(primary) && ++calls < 60);
    assertThat(chosen).isEqualTo(fallback);
    QuotaState day = billing.status(primary).quotas().get(1);
    assertThat(day.remaining()).as("room left, yet predicted to run out").isGreaterThan(5_000);
    assertThat(day.forecast().predictsExhaustion()).isTrue();

    providers.markExhausted(fallback, clock.instant().plusSeconds(60));
    assertThat(next(50)).as("predicted, but the only one left").isEqualTo(primary);
  }

  @Test
  void noProviderLeftIsAnEmptyAnswer() {
    providers.markExhausted(primary, clock.instant().plusSeconds(60));
    providers.markExhausted(fallback, clock.instant().plusSeconds(60));
    assertThat(providers.reserve(1)).isEmpty();
  }

  @Test
  void badArgumentsAreRejectedWithAMessage() {
    assertThatThrownBy(() -> ProviderBudgets.of(billing, List.of(primary, primary)))
        .hasMessage("providers must be distinct but '" + primary + "' appears twice");
    assertThatThrownBy(() -> ProviderBudgets.of(billing, List.of("nobody-" + run)))
        .hasMessageContaining("must be one of the budgets' providers, with quotas in the billing");
    assertThatThrownBy(() -> providers.markExhausted(primary, Instant.parse("2300-01-01T00:00:00Z")))
        .hasMessageStartingWith("exhausted-until instant must be from 1970 to before 2200-01-01T00:00:00Z");
    assertThatThrownBy(() -> providers.reserve(0)).hasMessage("credits must be > 0 but was 0");
  }
}
