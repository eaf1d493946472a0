package dev.apibilling.memory;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.OperationQuotaContract;

/** Quotas per operation on the in-memory store (one store object shared, as by instances in one JVM). */
final class InMemoryOperationQuotaTest extends OperationQuotaContract {

  private final InMemoryUsageStore shared = InMemoryUsageStore.create();

  @Override
  protected UsageStore newStore() {
    return shared;
  }
}
