package dev.apibilling.redis;

import dev.apibilling.tck.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * The test Redis for one test class, registered as a static {@code @RegisterExtension} field: before the
 * class it fails the class (CI) or skips each of its tests (locally) unless Redis answers, then connects
 * an admin connection for looking at and arranging keys; after the class it deletes every key under the
 * class's unique {@link #prefix()} and disconnects. Static methods say where the test Redis is.
 */
final class RedisTestSupport implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

  private final String prefix;
  private @Nullable String skipped;
  private @Nullable RedisClient client;
  private @Nullable StatefulRedisConnection<String, String> connection;

  private RedisTestSupport(String prefix) {
    this.prefix = prefix;
  }

  /** The extension of a test class whose keys start with {@link #uniquePrefix uniquePrefix(test)}. */
  static RedisTestSupport forClass(String test) {
    return new RedisTestSupport(uniquePrefix(test));
  }

  /** Skips (locally) or fails (CI) when the test Redis does not answer. */
  static void assumeRedis() {
    RedisURI uri = uri();
    TestServers.assumeReachable("Redis", uri.getHost(), uri.getPort());
  }

  static String url() {
    return TestServers.redisUrl();
  }

  static RedisURI uri() {
    return RedisURI.create(url());
  }

  /** A key prefix no other test run uses (at most 64 characters for a test name of up to 20). */
  static String uniquePrefix(String test) {
    return "apibilling-test:" + test + ":" + shortId() + ":";
  }

  /** 16 random hex digits. */
  static String shortId() {
    return Long.toHexString(UUID.randomUUID().getMostSignificantBits() | Long.MIN_VALUE);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    try {
      assumeRedis();
    } catch (TestAbortedException e) {
      skipped = e.getMessage(); // said by each test: surefire does not count a class skipped here
      return;
    }
    client = RedisClient.create(uri());
    connection = client.connect();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    Assumptions.assumeTrue(skipped == null, skipped);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (client == null) {
      return; // Redis did not answer: the class was skipped (or failed) before it connected
    }
    try {
      if (connection != null) {
        deleteKeys(prefix);
        connection.close();
      }
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** What every key of the test class starts with. */
  String prefix() {
    return prefix;
  }

  /** Synchronous commands on the admin connection (open from before the class to after it). */
  RedisCommands<String, String> sync() {
    if (connection == null) {
      throw new IllegalStateException("not connected: register as a static @RegisterExtension field");
    }
    return connection.sync();
  }

  /** Every key that starts with {@code prefix}, found with SCAN (fine in a test, never in the store). */
  List<String> keys(String prefix) {
    List<String> found = new ArrayList<>();
    ScanIterator<String> it = ScanIterator.scan(sync(), ScanArgs.Builder.matches(prefix + "*").limit(1000));
    it.forEachRemaining(found::add);
    return found;
  }

  /** Deletes every key that starts with {@code prefix}. */
  void deleteKeys(String prefix) {
    List<String> found = keys(prefix);
    if (!found.isEmpty()) {
      sync().unlink(found.toArray(new String[0]));
    }
  }

  /** Calls of each command since Redis started, from {@code INFO commandstats} (counts script-inner calls too). */
  Map<String, Long> commandCalls() {
    Map<String, Long> calls = new HashMap<>();
    for (String line : sync().info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_")) {
        String name = line.substring("cmdstat_".length(), line.indexOf(':'));
        int at = line.indexOf("calls=") + "calls=".length();
        int end = line.indexOf(',', at);
        calls.put(name, Long.parseLong(line.substring(at, end)));
      }
    }
    return calls;
  }

  /** The address Redis sees for the connection named {@code clientName} ({@code CLIENT LIST}). */
  String addressOf(String clientName) {
    for (String line : sync().clientList().split("\r?\n")) {
      if (line.contains(" name=" + clientName + " ")) {
        for (String field : line.split(" ")) {
          if (field.startsWith("addr=")) {
            return field.substring("addr=".length());
          }
        }
      }
    }
    throw new AssertionError("no client named " + clientName + " is connected");
  }

  /**
   * The commands Redis received from the connection at {@code address} while {@code action} ran, by
   * name, seen through {@code MONITOR}: commands that scripts run inside Redis are not counted (MONITOR
   * shows them as coming from "lua"), nor are other clients' commands.
   */
  Map<String, Integer> commandsFrom(String address, Runnable action) throws IOException {
    RedisURI uri = uri();
    String marker = "apibilling-marker-" + UUID.randomUUID();
    try (Socket monitor = new Socket()) {
      monitor.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 2_000);
      monitor.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
      OutputStream out = monitor.getOutputStream();
      BufferedReader in = new BufferedReader(
          new InputStreamReader(monitor.getInputStream(), StandardCharsets.UTF_8));
      String userInfo = java.net.URI.create(url()).getUserInfo();
      if (userInfo != null && userInfo.contains(":")) {
        String user = userInfo.substring(0, userInfo.indexOf(':'));
        send(out, "AUTH", user.isEmpty() ? "default" : user, userInfo.substring(userInfo.indexOf(':') + 1));
        expectOk(in);
      }
      send(out, "MONITOR");
      expectOk(in);
      action.run();
      sync().echo(marker);
      Map<String, Integer> commands = new HashMap<>();
      String tag = " " + address + "] ";
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.contains(marker)) {
          return commands;
        }
        int at = line.indexOf(tag);
        if (at >= 0) {
          String rest = line.substring(at + tag.length());
          int close = rest.indexOf('"', 1);
          commands.merge(rest.substring(1, close).toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
        }
      }
      throw new AssertionError("MONITOR ended before the marker");
    }
  }

  private static void send(OutputStream out, String... args) throws IOException {
    StringBuilder b = new StringBuilder().append('*').append(args.length).append("\r\n");
    for (String a : args) {
      b.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
    }
    out.write(b.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void expectOk(BufferedReader in) throws IOException {
    String reply = in.readLine();
    if (!"+OK".equals(reply)) {
      throw new AssertionError("Redis answered " + reply);
    }
  }
}
