package dev.apibilling.tck;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the real servers of store tests are, and what to do when one is missing: skip the test with a
 * clear message on a developer's machine, fail it when {@code APIBILLING_REQUIRE_SERVERS=true} (set by
 * {@code .ci/run} in CI), so CI never passes without having tested a store.
 *
 * <p>Addresses default to the loopback servers of the development machine and are overridden by
 * environment variables: {@code APIBILLING_REDIS_URL} (default {@code redis://127.0.0.1:6379}),
 * {@code APIBILLING_POSTGRES_URL} (default {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}),
 * {@code APIBILLING_MARIADB_URL} (default {@code jdbc:mariadb://127.0.0.1:3306/test?user=root}).
 *
 * <p>{@link SkippedTestsReport} prints the reason of every skip in the build's console.
 */
public final class TestServers {

  private TestServers() {}

  /** The Redis URL to test against. */
  public static String redisUrl() {
    return env("APIBILLING_REDIS_URL", "redis://127.0.0.1:6379");
  }

  /** The PostgreSQL JDBC URL to test against. */
  public static String postgresUrl() {
    return env("APIBILLING_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
  }

  /** The MariaDB JDBC URL to test against. */
  public static String mariadbUrl() {
    return env("APIBILLING_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/test?user=root");
  }

  /** Whether a missing server fails the test instead of skipping it. */
  public static boolean required() {
    return Boolean.parseBoolean(env("APIBILLING_REQUIRE_SERVERS", "false"));
  }

  /**
   * Makes sure a TCP server answers at {@code host:port}: returns if it does; otherwise fails the test
   * when servers are {@link #required()}, and skips it when they are not.
   */
  public static void assumeReachable(String name, String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2_000);
    } catch (IOException e) {
      String message = name + " is not reachable at " + host + ":" + port + " (" + e.getMessage() + ")";
      if (required()) {
        fail(message + "; APIBILLING_REQUIRE_SERVERS=true, so store tests may not skip");
      }
      Assumptions.abort(message + "; skipping (set APIBILLING_REQUIRE_SERVERS=true to fail instead)");
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
