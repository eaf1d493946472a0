package dev.apibilling.memory;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.ForwardingUsageStore;
import dev.apibilling.tck.UsageEventContract;

/** The usage-event contract on one in-memory store: every "new store" is a view of it, as in one JVM. */
final class InMemoryUsageEventTest extends UsageEventContract {

  private final InMemoryUsageStore shared = InMemoryUsageStore.create();

  @Override
  protected UsageStore newStore() {
    return new ForwardingUsageStore() {
      @Override
      protected UsageStore delegate() {
        return shared;
      }

      @Override
      public void close() {}
    };
  }
}
