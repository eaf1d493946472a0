package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on the machine's MariaDB: every store object has its own pool. */
final class MariaDbUsageStoreTest extends UsageStoreContract {

  private static final String PREFIX = Databases.uniquePrefix();
  private static boolean reachable;

  @BeforeAll
  static void server() {
    Databases.assumeMariaDb();
    reachable = true;
  }

  @AfterAll
  static void dropTables() {
    if (reachable) {
      Databases.drop(Databases.mariadbUrl(), PREFIX);
    }
  }

  @Override
  protected UsageStore newStore() {
    return Databases.open(Databases.mariadbUrl(), PREFIX);
  }
}
