package dev.apibilling.memory;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.LeaseContract;

/** Leased budgets on the in-memory store: both instances on the one store object. */
final class InMemoryLeaseTest extends LeaseContract {

  private final InMemoryUsageStore shared = InMemoryUsageStore.create();

  @Override
  protected UsageStore newStore() {
    return shared;
  }
}
