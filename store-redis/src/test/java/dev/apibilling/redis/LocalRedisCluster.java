package dev.apibilling.redis;

import static org.junit.jupiter.api.Assertions.fail;

import dev.apibilling.tck.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway Redis Cluster of masters only, run as child processes of the test JVM from the machine's
 * {@code redis-server} on free loopback ports (client ports 20000-29999, their cluster bus ports 10000
 * higher: never the shared Redis on 6379), with its files in a temporary directory. {@link #close()} kills
 * the processes and deletes the directory; a JVM shutdown hook does the same if a run ends without it.
 */
final class LocalRedisCluster implements AutoCloseable {

  private static final Duration STARTUP = Duration.ofSeconds(20);
  private static final Duration STOP = Duration.ofSeconds(5);
  private static final int ATTEMPTS = 3;

  private final Path dir;
  private final List<Integer> ports;
  private final List<Process> processes = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook;

  private LocalRedisCluster(Path dir, List<Integer> ports) {
    this.dir = dir;
    this.ports = ports;
    this.shutdownHook = new Thread(this::stop, "stop-local-redis-cluster");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Skips the test (locally) or fails it (when {@link TestServers#required()}) unless {@code redis-server}
   * and {@code redis-cli} are on the {@code PATH}.
   */
  static void assumeInstalled() {
    for (String program : List.of("redis-server", "redis-cli")) {
      if (onPath(program) == null) {
        String message = program + " is not on the PATH, so no throwaway Redis Cluster can be started"
            + " (or set APIBILLING_REDIS_CLUSTER_URL to a node of a running cluster)";
        if (TestServers.required()) {
          fail(message + "; APIBILLING_REQUIRE_SERVERS=true, so store tests may not skip");
        }
        Assumptions.abort(message + "; skipping (set APIBILLING_REQUIRE_SERVERS=true to fail instead)");
      }
    }
  }

  /**
   * Starts {@code masters} nodes, joins them into one cluster that covers every slot and returns once
   * every node reports {@code cluster_state:ok}; a start that fails (e.g. a port taken meanwhile) is tried
   * again on other ports, at most {@value #ATTEMPTS} times.
   *
   * @throws IllegalStateException (or the runtime exception of what went wrong) if no attempt brought the
   *     cluster up, with the later attempts' failures suppressed; nothing is left running then
   */
  static LocalRedisCluster start(int masters) {
    RuntimeException failure = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      LocalRedisCluster cluster;
      try {
        cluster = new LocalRedisCluster(Files.createTempDirectory("apibilling-redis-cluster-"), freePorts(masters));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      RedisClient admin = RedisClient.create();
      try {
        cluster.startNodes(admin);
        cluster.createCluster(admin);
        return cluster;
      } catch (RuntimeException e) {
        cluster.close();
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      } finally {
        admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
    throw failure;
  }

  /** The first node, where a cluster client starts to discover the others. */
  RedisURI uri() {
    return RedisURI.create("127.0.0.1", ports.get(0));
  }

  /** Kills the nodes and deletes their files (idempotent). */
  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs (or ran) anyway
    }
  }

  private void startNodes(RedisClient admin) {
    String server = executable("redis-server");
    for (int port : ports) {
      ProcessBuilder node = new ProcessBuilder(server, "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--cluster-enabled", "yes", "--cluster-config-file", dir.resolve("nodes-" + port + ".conf").toString(),
          "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no")
          .redirectErrorStream(true)
          .redirectOutput(log("redis-" + port).toFile());
      processes.add(launch(node));
    }
    awaitClusterInfo(admin, "cluster_state:");
  }

  private void createCluster(RedisClient admin) {
    List<String> command = new ArrayList<>(List.of(executable("redis-cli"), "--cluster", "create"));
    ports.forEach(port -> command.add("127.0.0.1:" + port));
    command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
    Path output = log("cluster-create");
    Process create = launch(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()));
    try {
      if (!create.waitFor(STARTUP.toMillis(), TimeUnit.MILLISECONDS)) {
        create.destroyForcibly();
        throw new IllegalStateException("redis-cli --cluster create did not finish within " + STARTUP
            + ": " + read(output));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      create.destroyForcibly();
      throw new IllegalStateException("interrupted while creating the cluster", e);
    }
    if (create.exitValue() != 0) {
      throw new IllegalStateException("redis-cli --cluster create exited with " + create.exitValue() + ": "
          + read(output));
    }
    awaitClusterInfo(admin, "cluster_state:ok");
  }

  /**
   * Polls every node's {@code CLUSTER INFO} (a bounded poll: the nodes start and agree on their own time)
   * until it has a line that starts with {@code line}.
   */
  private void awaitClusterInfo(RedisClient admin, String line) {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    for (int i = 0; i < ports.size(); i++) {
      int port = ports.get(i);
      String last = "no answer";
      while (true) {
        if (!processes.get(i).isAlive()) {
          throw new IllegalStateException("redis-server on port " + port + " exited with "
              + processes.get(i).exitValue() + ": " + read(log("redis-" + port)));
        }
        try (StatefulRedisConnection<String, String> c = admin.connect(RedisURI.create("127.0.0.1", port))) {
          last = c.sync().clusterInfo();
          if (last.lines().anyMatch(l -> l.startsWith(line))) {
            break;
          }
        } catch (RedisException notYet) {
          last = notYet.toString();
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("node on port " + port + " did not report " + line + " within "
              + STARTUP + "; last answer: " + last);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
  }

  private void stop() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    processes.forEach(Process::destroy);
    for (Process p : processes) {
      try {
        if (!p.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly().waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException | UncheckedIOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }

  private Path log(String name) {
    return dir.resolve(name + ".log");
  }

  private static Process launch(ProcessBuilder builder) {
    try {
      return builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + builder.command(), e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "(" + file + " unreadable: " + e + ")";
    }
  }

  /**
   * {@code count} client ports in 20000-29999 whose cluster bus port ({@code + 10000}) is free too;
   * below Linux' ephemeral range, so outgoing connections rarely take one meanwhile.
   */
  private static List<Integer> freePorts(int count) {
    List<Integer> ports = new ArrayList<>();
    while (ports.size() < count) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
      if (!ports.contains(port) && free(port) && free(port + 10_000)) {
        ports.add(port);
      }
    }
    return ports;
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return s.isBound();
    } catch (IOException taken) {
      return false;
    }
  }

  private static String executable(String program) {
    String found = onPath(program);
    if (found == null) {
      throw new IllegalStateException(program + " is not on the PATH");
    }
    return found;
  }

  private static @Nullable String onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String entry : path.split(File.pathSeparator)) {
      Path candidate = Path.of(entry.isEmpty() ? "." : entry, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }
}
