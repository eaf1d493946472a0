package dev.apibilling.samples;

import dev.apibilling.spi.UsageStores;
import dev.apibilling.tck.TestServers;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Two demos on one PostgreSQL database share a budget. Each run creates a schema of its own and adds it to
 * the store URL as the driver's {@code currentSchema}, so the store's tables are created there, empty; the
 * schema is dropped at the end. Skips when PostgreSQL is not reachable, fails instead when
 * {@code APIBILLING_REQUIRE_SERVERS=true}.
 */
final class SharedPostgresBudgetIT extends SharedBudgetContract {

  private final String postgresUrl = TestServers.postgresUrl();
  private final String schema =
      "apibilling_samples_it_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);

  @Override
  String freshStoreUrl() throws Exception {
    URI address = URI.create(postgresUrl.substring("jdbc:".length()));
    TestServers.assumeReachable("PostgreSQL", address.getHost(), address.getPort() < 0 ? 5432 : address.getPort());
    execute("CREATE SCHEMA " + schema);
    return postgresUrl + (postgresUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }

  @Override
  String loggedStore() {
    return UsageStores.redacted(postgresUrl);
  }

  @Override
  void deleteRunData() throws Exception {
    execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  private void execute(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(postgresUrl); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
