package dev.apibilling.jdbc;

import dev.apibilling.tck.LeaseProcessContract;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Leases across two JVMs on the machine's PostgreSQL, and a killed leasing JVM: the store's tables live in
 * a schema of this run, dropped afterwards.
 */
final class PostgresLeaseProcessTest extends LeaseProcessContract {

  private static final String SCHEMA = "lease_" + Databases.uniquePrefix().replace("_", "");

  @BeforeAll
  static void createSchema() throws SQLException {
    Databases.postgres();
    execute("CREATE SCHEMA " + SCHEMA);
  }

  @AfterAll
  static void dropSchema() throws SQLException {
    execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
  }

  @Override
  protected String storeUrl() {
    String url = Databases.postgresUrl();
    return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + SCHEMA;
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(Databases.postgresUrl()); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
