package dev.apibilling.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageStoreContract;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

final class InMemoryUsageStoreTest extends UsageStoreContract {

  private final InMemoryUsageStore shared = InMemoryUsageStore.builder()
      .historyRetention(Duration.ofDays(30))
      .sweepInterval(Duration.ofDays(365))
      .build();

  @Override
  protected UsageStore newStore() {
    return shared;
  }

  @Override
  protected void dropExpired(Instant now) {
    shared.sweep(now.toEpochMilli());
  }

  @Test
  void clientsWhoseStateExpiredAreSwept() {
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(QuotaDuration.DAY, 10)));
    billing.trackClientUsage(client, 1);
    assertThat(shared.clientCount()).isEqualTo(1);
    clock.advance(Duration.ofDays(10));
    shared.sweep(clock.millis());
    assertThat(shared.clientCount()).isEqualTo(1);
    clock.advance(Duration.ofDays(30));
    shared.sweep(clock.millis());
    assertThat(shared.clientCount()).isZero();
  }

  @Test
  void evictedBeyondTheBoundClientsLoseTheirState() {
    InMemoryUsageStore small = InMemoryUsageStore.builder().maximumClients(10).build();
    var b = billing(small, s -> {});
    for (int i = 0; i < 200; i++) {
      b.updateClientQuotas("c" + i, List.of(QuotaDefinition.of(QuotaDuration.DAY, 10)));
      b.trackClientUsage("c" + i, 1);
    }
    small.sweep(clock.millis());
    assertThat(small.clientCount()).isLessThanOrEqualTo(10);
  }
}
