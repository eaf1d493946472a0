package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageStoreContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract for the {@link JdbcDialect#MYSQL} dialect (a locking transaction of plain
 * statements, no stored procedures), run on the machine's MariaDB, whose InnoDB speaks the same SQL.
 */
final class MySqlDialectUsageStoreTest extends UsageStoreContract {

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
    return JdbcUsageStore.builder(Databases.mariadbUrl()).dialect(JdbcDialect.MYSQL).tablePrefix(PREFIX)
        .createSchema(true).poolSize(9).timeout(Duration.ofSeconds(5)).build();
  }
}
