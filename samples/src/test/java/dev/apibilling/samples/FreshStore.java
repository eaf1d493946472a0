package dev.apibilling.samples;

import dev.apibilling.tck.TestServers;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** A store that starts empty for this run: its own Redis key prefix, PostgreSQL schema or MariaDB database. */
record FreshStore(Kind kind, String server, String run) {

  /** The servers a run can use. */
  enum Kind {
    REDIS, POSTGRESQL, MARIADB
  }

  /**
   * A store of {@code kind} no other run uses, created now (skips the test, or fails it in CI, when the
   * server does not answer).
   */
  static FreshStore of(Kind kind, String run) throws Exception {
    String server = switch (kind) {
      case REDIS -> TestServers.redisUrl();
      case POSTGRESQL -> TestServers.postgresUrl();
      case MARIADB -> TestServers.mariadbUrl();
    };
    FreshStore t = new FreshStore(kind, server, run);
    URI address = t.address();
    TestServers.assumeReachable(kind.name(), address.getHost(), t.port());
    if (kind == Kind.POSTGRESQL) {
      t.sql("CREATE SCHEMA " + t.name());
    } else if (kind == Kind.MARIADB) {
      t.sql("CREATE DATABASE " + t.name());
    }
    return t;
  }

  String name() {
    return "apibilling_it_" + run;
  }

  URI address() {
    return URI.create(server.startsWith("jdbc:") ? server.substring("jdbc:".length()) : server);
  }

  int port() {
    int port = address().getPort();
    return port >= 0 ? port : kind == Kind.REDIS ? 6379 : kind == Kind.POSTGRESQL ? 5432 : 3306;
  }

  /** The store URL of this run at {@code host:port}. */
  String url(String host, int port) {
    String at = server.replaceFirst("//[^/?]+", "//" + host + ":" + port);
    return switch (kind) {
      case REDIS -> at + (at.contains("?") ? "&" : "?") + "keyPrefix=" + name() + ":";
      case POSTGRESQL -> at + (at.contains("?") ? "&" : "?") + "currentSchema=" + name();
      case MARIADB -> at.replaceFirst("//([^/]+)/[^?]*", "//$1/" + name());
    };
  }

  void delete() throws Exception {
    switch (kind) {
      case POSTGRESQL -> sql("DROP SCHEMA IF EXISTS " + name() + " CASCADE");
      case MARIADB -> sql("DROP DATABASE IF EXISTS " + name());
      case REDIS -> {
        RedisClient client = RedisClient.create(server);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
          ScanArgs match = ScanArgs.Builder.matches(name() + ":*").limit(500);
          List<String> keys = new ArrayList<>();
          ScanCursor cursor = ScanCursor.INITIAL;
          do {
            KeyScanCursor<String> page = c.sync().scan(cursor, match);
            keys.addAll(page.getKeys());
            cursor = page;
          } while (!cursor.isFinished());
          if (!keys.isEmpty()) {
            c.sync().unlink(keys.toArray(new String[0]));
          }
        } finally {
          client.shutdown();
        }
      }
    }
  }

  private void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection(server); Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }
}
