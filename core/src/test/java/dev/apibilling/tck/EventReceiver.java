package dev.apibilling.tck;

import com.sun.net.httpserver.HttpServer;
import dev.apibilling.UsageEvent;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A CloudEvents batch receiver on a JDK {@link HttpServer} at a loopback port of its own, deduplicating by
 * id the way a metering service does: it keeps the first event of each id, counts how often each id
 * came, and notes any id that came again with different content. {@link #down(boolean)} makes it answer
 * 503, as a receiver that is away.
 */
public final class EventReceiver implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, UsageEvent> byKey = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
  private final List<String> conflicts = new ArrayList<>();
  private final List<String> contentTypes = new ArrayList<>();
  private volatile boolean down;
  private final AtomicInteger requests = new AtomicInteger();
  private volatile int stallAt = -1;
  private final CountDownLatch stalled = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  public EventReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/events", exchange -> {
      try (exchange; InputStream in = exchange.getRequestBody()) {
        String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        int number = requests.incrementAndGet();
        if (down) {
          exchange.sendResponseHeaders(503, -1);
          return;
        }
        synchronized (contentTypes) {
          contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
        }
        for (UsageEvent e : UsageEvent.fromJsonBatch(body)) {
          String key = e.clientId() + " " + e.id();
          UsageEvent first = byKey.putIfAbsent(key, e);
          if (first != null && !first.equals(e)) {
            synchronized (conflicts) {
              conflicts.add(key);
            }
          }
          deliveries.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        }
        if (number == stallAt) {
          stalled.countDown();
          try {
            release.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        synchronized (byKey) {
          byKey.notifyAll();
        }
        exchange.sendResponseHeaders(204, -1);
      }
    });
    executor = Executors.newCachedThreadPool();
    server.setExecutor(executor);
    server.start();
  }

  /** Where to post batches. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/events");
  }

  /** Whether to answer every request with 503. */
  public void down(boolean down) {
    this.down = down;
  }

  /**
   * Makes the {@code n}-th request (from 1) record its events and then hold its answer until
   * {@link #close()}: a sender killed meanwhile never learns the batch arrived.
   */
  public void stallRequest(int n) {
    this.stallAt = n;
  }

  /** Waits until the stalled request has arrived and been recorded. */
  public boolean awaitStalled(long timeout, TimeUnit unit) throws InterruptedException {
    return stalled.await(timeout, unit);
  }

  /** Waits until events of at least {@code n} distinct (client, id) arrived; returns whether they did. */
  public boolean awaitEvents(int n, long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    synchronized (byKey) {
      while (byKey.size() < n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(byKey, left);
      }
      return true;
    }
  }

  /** The events received, the first of each (client, id). */
  public List<UsageEvent> events() {
    return List.copyOf(byKey.values());
  }

  /** How many times each (client, id) was received, keyed {@code "<client> <id>"}. */
  public Map<String, Integer> deliveries() {
    Map<String, Integer> m = new ConcurrentHashMap<>();
    deliveries.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  /** The (client, id) keys that came again with different content. */
  public List<String> conflicts() {
    synchronized (conflicts) {
      return List.copyOf(conflicts);
    }
  }

  /** The Content-Type of every accepted request. */
  public List<String> contentTypes() {
    synchronized (contentTypes) {
      return List.copyOf(contentTypes);
    }
  }

  /** Requests received, accepted or not. */
  public int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
