package dev.apibilling.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** Where the PostgreSQL of the benchmarks is, and its connection pools. */
final class Postgres {

  static final String URL = System.getenv().getOrDefault("APIBILLING_POSTGRES_URL",
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

  private Postgres() {}

  /** A HikariCP pool of {@code size} connections to {@code url}, all opened up front. */
  static HikariDataSource pool(int size, String name, String url) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    config.setPoolName(name);
    return new HikariDataSource(config);
  }
}
