package dev.apibilling.benchmarks;

import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariDataSource;
import dev.apibilling.ApiBilling;
import dev.apibilling.Charge;
import dev.apibilling.events.EventSink;
import dev.apibilling.events.UsageEventExporter;
import dev.apibilling.jdbc.JdbcUsageStore;
import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.redis.RedisUsageStore;
import dev.apibilling.spi.UsageStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many usage events per second one exporter delivers to a local HTTP receiver (issue 13: at least
 * 20,000): the store is filled with events first (8 threads charging 100 clients, each charge with an
 * idempotency key and two metadata entries), then one exporter drains it in batches on the caller's thread
 * ({@code exportOnce} until idle) to a JDK {@code HttpServer} that reads each body and counts the events in
 * it. Reports events per second of the drain alone, for the in-memory store, Redis and PostgreSQL.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.apibilling.benchmarks.EventExportThroughput [events] [batch]
 * }</pre>
 */
public final class EventExportThroughput {

  private EventExportThroughput() {}

  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    PrintStream out = System.out;
    AtomicLong received = new AtomicLong();
    HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext("/events", exchange -> {
      try (exchange; InputStream in = exchange.getRequestBody()) {
        String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        int n = 0;
        for (int i = body.indexOf("\"specversion\""); i >= 0; i = body.indexOf("\"specversion\"", i + 1)) {
          n++;
        }
        received.addAndGet(n);
        exchange.sendResponseHeaders(204, -1);
      }
    });
    receiver.start();
    URI uri = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/events");
    out.println("| store | events | batch | fill (events/s) | export (events/s) |");
    out.println("|---|---:|---:|---:|---:|");
    try {
      run(out, "memory", InMemoryUsageStore.builder().maximumEvents(events + 1).build(), events, batch, uri, received);
      String prefix = "apibilling-bench-export-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";
      try (RedisUsageStore redis = RedisUsageStore.builder(RedisCounters.URL).keyPrefix(prefix).build()) {
        run(out, "redis", redis, events, batch, uri, received);
      } finally {
        deleteRedisKeys(prefix);
      }
      int pgEvents = Math.min(events, 30_000); // filling is bound by PostgreSQL's commits
      try (HikariDataSource pool = Postgres.pool(9, "export", Postgres.URL)) {
        String table = PostgresBenchmark.randomPrefix();
        try (JdbcUsageStore pg = JdbcUsageStore.builder(pool).tablePrefix(table).createSchema(true).build()) {
          run(out, "postgresql", pg, pgEvents, batch, uri, received);
        } finally {
          PostgresBenchmark.drop(pool, table);
        }
      }
    } finally {
      receiver.stop(0);
    }
  }

  private static void run(PrintStream out, String name, UsageStore store, int events, int batch, URI uri,
      AtomicLong received) throws Exception {
    ApiBilling billing = ApiBilling.builder().store(store).defaultQuotas(Limits.oneQuota()).usageEvents(true)
        .eventSource("urn:apibilling:bench").build();
    long fillStart = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> done = new ArrayList<>();
    int perThread = events / 8;
    for (int t = 0; t < 8; t++) {
      int thread = t;
      done.add(pool.submit(() -> {
        for (int i = 0; i < perThread; i++) {
          billing.tryCharge(Charge.of("client-" + (i % 100), 1 + i % 3).idempotencyKey("t" + thread + "-" + i)
              .with("route", "GET /api/reports/*").with("workflow", "wf-" + (i % 1000)));
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
    int total = perThread * 8;
    long before = received.get();
    try (UsageEventExporter exporter = UsageEventExporter.builder(store, EventSink.cloudEventsHttp(uri))
        .batchSize(batch).keepDelivered().build()) {
      long start = System.nanoTime();
      while (exporter.exportOnce() != UsageEventExporter.Outcome.IDLE) {
        // drain
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long delivered = received.get() - before;
      if (delivered != total) {
        throw new IllegalStateException(name + ": the receiver counted " + delivered + " events of " + total);
      }
      out.println(String.format(Locale.ROOT, "| %s | %,d | %,d | %,.0f | %,.0f |", name, total, batch,
          total / fillSeconds, total / seconds));
    }
    billing.close();
  }

  /** Deletes every Redis key starting with {@code prefix}. */
  static void deleteRedisKeys(String prefix) {
    RedisClient client = RedisClient.create(RedisCounters.URL);
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      List<String> keys = new ArrayList<>();
      ScanIterator.scan(c.sync(), ScanArgs.Builder.matches(prefix + "*").limit(1000)).forEachRemaining(keys::add);
      for (int i = 0; i < keys.size(); i += 500) {
        c.sync().del(keys.subList(i, Math.min(keys.size(), i + 500)).toArray(String[]::new));
      }
    } finally {
      client.shutdown();
    }
  }
}
