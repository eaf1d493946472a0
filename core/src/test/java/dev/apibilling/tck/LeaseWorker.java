package dev.apibilling.tck;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.LeaseSettings;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.UsageStores;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One application instance in its own JVM, for {@link LeaseProcessContract}: opens the store at a URL,
 * builds an {@link ApiBilling} with leases on (system clock) and either hammers a client and prints what it
 * granted once its leases are settled ({@code hammer}); or, on a clock that stands still, grants charges
 * of 1 credit (taking leases), prints what it granted and waits to be killed ({@code hold}); or grants
 * from 4 threads without end, printing its running total after each grant, until it is killed
 * ({@code spin}: the largest number printed is at most what it granted).
 *
 * <p>Arguments: {@code hammer URL CLIENT LIMIT OPS SEED}, {@code hold URL CLIENT LIMIT AT_MILLIS DECISIONS}
 * or {@code spin URL CLIENT LIMIT AT_MILLIS SEED}.
 */
public final class LeaseWorker {

  /** The lease settings of a {@code hold} worker: its block returns 2 seconds after it was taken. */
  static final LeaseSettings SHORT = new LeaseSettings(Duration.ofSeconds(1), Duration.ofSeconds(2), 8, 0.25, 8);

  private LeaseWorker() {}

  /**
   * The store at {@code url}; a few tries, since a JVM that has just started on a busy machine may not
   * finish the connection handshake within the store's deadline.
   */
  private static UsageStore open(String url) {
    for (int attempt = 1; ; attempt++) {
      try {
        return UsageStores.open(url);
      } catch (UsageStoreException e) {
        if (attempt == 5) {
          throw e;
        }
      }
    }
  }

  public static void main(String[] args) throws Exception {
    boolean hold = !args[0].equals("hammer");
    String client = args[2];
    long limit = Long.parseLong(args[3]);
    UsageStore store = open(args[1]);
    ApiBilling.Builder builder = ApiBilling.builder().store(store);
    if (hold) {
      builder.clock(Clock.fixed(Instant.ofEpochMilli(Long.parseLong(args[4])), ZoneOffset.UTC)).leases(SHORT);
    } else {
      builder.leases(LeaseSettings.defaults().withHotDecisions(8));
    }
    ApiBilling billing = builder.build();
    billing.updateClientQuotas(client, List.of(QuotaDefinition.of(QuotaDuration.DAY, limit).named("day")));
    if (args[0].equals("spin")) {
      spin(billing, client, Long.parseLong(args[5]));
      return;
    }
    if (hold) {
      int decisions = Integer.parseInt(args[5]);
      long granted = 0;
      for (int i = 0; i < decisions; i++) {
        billing.trackClientUsage(client, 1);
        granted++;
      }
      System.out.println("held " + granted);
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the kill
      }
      return;
    }
    int ops = Integer.parseInt(args[4]);
    long seed = Long.parseLong(args[5]);
    AtomicLong granted = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      SplittableRandom random = new SplittableRandom(seed * 31 + t);
      Thread thread = new Thread(() -> hammer(billing, client, ops, random, granted));
      thread.start();
      threads.add(thread);
    }
    for (Thread t : threads) {
      t.join();
    }
    long local = billing.leaseStats().localDecisions();
    billing.close();
    store.close();
    System.out.println("granted " + granted.get() + " local " + local);
  }

  /** Grants from 4 threads until the process is killed, printing the running total after each grant. */
  private static void spin(ApiBilling billing, String client, long seed) throws InterruptedException {
    AtomicLong granted = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      SplittableRandom random = new SplittableRandom(seed * 31 + t);
      Thread thread = new Thread(() -> {
        while (true) {
          long before = granted.get();
          hammer(billing, client, 1, random, granted);
          long after = granted.get();
          if (after != before) {
            System.out.println(after);
          }
        }
      });
      thread.start();
      threads.add(thread);
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  private static void hammer(ApiBilling billing, String client, int ops, SplittableRandom random, AtomicLong granted) {
    for (int i = 0; i < ops; i++) {
      long credits = 1 + random.nextInt(3);
      if (random.nextInt(5) > 0) {
        if (billing.tryTrackClientUsage(client, credits).granted()) {
          granted.addAndGet(credits);
        }
        continue;
      }
      BillingDecision d = billing.reserve(Charge.of(client, credits));
      if (d.granted()) {
        long actual = random.nextInt((int) credits + 1);
        if (billing.commit(d.reservation().orElseThrow(), actual)) {
          granted.addAndGet(actual);
        }
      }
    }
  }

}
