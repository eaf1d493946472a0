package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageStoreContract;

/** The store contract on an embedded in-memory H2 database (always runs): every store object has its own pool. */
final class H2UsageStoreTest extends UsageStoreContract {

  private static final String URL = Databases.h2Url();
  private static final String PREFIX = Databases.uniquePrefix();

  @Override
  protected UsageStore newStore() {
    return Databases.open(URL, PREFIX);
  }
}
