package dev.apibilling.memory;

import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.LeaseCrashContract;
import dev.apibilling.tck.MutableClock;
import java.time.Instant;
import java.util.List;

/**
 * A crashed leasing instance on the in-memory store, in this JVM: the instance is abandoned with its leases
 * open (never closed, its clock never moved, so its sweeper settles nothing), as a killed process leaves them.
 */
final class InMemoryLeaseCrashTest extends LeaseCrashContract {

  private final InMemoryUsageStore shared = InMemoryUsageStore.create();

  @Override
  protected UsageStore newStore() {
    return shared;
  }

  @Override
  protected long grantThenCrash(String client, long limit, Instant at) {
    ApiBilling crashing = ApiBilling.builder().store(shared).clock(new MutableClock(at)).leases(CRASHING).build();
    crashing.updateClientQuotas(client, List.of(QuotaDefinition.of(QuotaDuration.DAY, limit).named("day")));
    long granted = 0;
    for (int i = 0; i < DECISIONS; i++) {
      crashing.trackClientUsage(client, 1);
      granted++;
    }
    return granted;
  }
}
