package dev.apibilling.memory;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.ProviderBudgetsContract;

/** Provider budgets on the in-memory store: every instance on the one store object. */
final class InMemoryProviderBudgetsTest extends ProviderBudgetsContract {

  private final InMemoryUsageStore shared = InMemoryUsageStore.create();

  @Override
  protected UsageStore newStore() {
    return shared;
  }
}
