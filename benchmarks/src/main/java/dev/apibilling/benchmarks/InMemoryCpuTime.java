package dev.apibilling.benchmarks;

import dev.apibilling.ApiBilling;
import dev.apibilling.ForecastSettings;
import io.github.bucket4j.Bucket;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cases of {@link InMemoryBenchmark} timed by the CPU time of the threads that run them instead of
 * the wall clock, in interleaved rounds (every case once per round, so all see the same machine), for a
 * machine other work shares: a thread's CPU time does not grow while it waits for a core, so the ratios
 * stay readable under a load that makes JMH's wall-clock scores spread by more than their size. Each round
 * runs {@code ops} decisions per thread; the median of the rounds is reported, per decision and thread
 * (JMH's average time per operation measures the same on a quiet machine). Results go to a
 * {@link Blackhole} as in JMH.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.apibilling.benchmarks.InMemoryCpuTime [rounds] [ops] [regex]
 * }</pre>
 *
 * <p>The cases share one JVM, so their code is compiled for all of them; a case regex (e.g.
 * {@code 'apibilling1Quota$|bucket4j1Limit$'}) runs a pair alone, closer to JMH's fork per benchmark.
 */
public final class InMemoryCpuTime {

  private static final String CLIENT = "client-1";
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** The Bucket4j case each apibilling case is compared with. */
  private static final java.util.Map<String, String> RIVALS = java.util.Map.of(
      "apibilling1Quota", "bucket4j1Limit",
      "apibilling1QuotaForecastsOff", "bucket4j1Limit",
      "apibilling3Quotas", "bucket4j3Limits",
      "apibilling1QuotaTwoThreads", "bucket4j1LimitTwoThreads");

  private InMemoryCpuTime() {}

  /** A case's own loop (one per case, so that each call site sees one target, as in JMH's stubs). */
  private interface Loop {
    void run(int ops, Blackhole bh);
  }

  private record Case(String name, int threads, Loop loop) {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 31;
    int ops = args.length > 1 ? Integer.parseInt(args[1]) : 500_000;
    ApiBilling one = ApiBilling.builder().build();
    one.updateClientQuotas(CLIENT, Limits.oneQuota());
    ApiBilling three = ApiBilling.builder().build();
    three.updateClientQuotas(CLIENT, Limits.threeQuotas());
    ApiBilling oneNoForecasts = ApiBilling.builder().forecasts(ForecastSettings.off()).build();
    oneNoForecasts.updateClientQuotas(CLIENT, Limits.oneQuota());
    Bucket bucket = Bucket.builder().addLimit(Limits.bandwidth()).build();
    Bucket bucket3 = Bucket.builder().addLimit(Limits.bandwidth()).addLimit(Limits.bandwidth())
        .addLimit(Limits.bandwidth()).build();
    Bucket bucket2t = Bucket.builder().addLimit(Limits.bandwidth()).build();
    ApiBilling one2t = ApiBilling.builder().build();
    one2t.updateClientQuotas(CLIENT, Limits.oneQuota());
    java.util.regex.Pattern only = java.util.regex.Pattern.compile(args.length > 2 ? args[2] : "");
    List<Case> all = List.of(
        new Case("apibilling1Quota", 1, (n, bh) -> {
          for (int i = 0; i < n; i++) {
            bh.consume(one.tryTrackClientUsage(CLIENT, 1));
          }
        }),
        new Case("bucket4j1Limit", 1, (n, bh) -> {
          for (int i = 0; i < n; i++) {
            bh.consume(bucket.tryConsumeAndReturnRemaining(1));
          }
        }),
        new Case("apibilling1QuotaForecastsOff", 1, (n, bh) -> {
          for (int i = 0; i < n; i++) {
            bh.consume(oneNoForecasts.tryTrackClientUsage(CLIENT, 1));
          }
        }),
        new Case("apibilling3Quotas", 1, (n, bh) -> {
          for (int i = 0; i < n; i++) {
            bh.consume(three.tryTrackClientUsage(CLIENT, 1));
          }
        }),
        new Case("bucket4j3Limits", 1, (n, bh) -> {
          for (int i = 0; i < n; i++) {
            bh.consume(bucket3.tryConsumeAndReturnRemaining(1));
          }
        }),
        new Case("apibilling1QuotaTwoThreads", 2, (n, bh) -> {
          for (int i = 0; i < n; i++) {
            bh.consume(one2t.tryTrackClientUsage(CLIENT, 1));
          }
        }),
        new Case("bucket4j1LimitTwoThreads", 2, (n, bh) -> {
          for (int i = 0; i < n; i++) {
            bh.consume(bucket2t.tryConsumeAndReturnRemaining(1));
          }
        }));
    List<Case> cases = all.stream().filter(c -> only.matcher(c.name()).find()).toList();
    for (int w = 0; w < 3; w++) {
      for (Case c : cases) {
        run(c, ops);
      }
    }
    double[][] perOp = new double[cases.size()][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < cases.size(); i++) {
        perOp[i][r] = run(cases.get(i), ops);
      }
    }
    double[] median = new double[cases.size()];
    System.out.println("| case | threads | CPU ns per decision and thread (median of " + rounds + " rounds) | min | max |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (int i = 0; i < cases.size(); i++) {
      double[] sorted = perOp[i].clone();
      Arrays.sort(sorted);
      median[i] = sorted[rounds / 2];
      System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f |%n", cases.get(i).name(), cases.get(i).threads(),
          median[i], sorted[0], sorted[rounds - 1]);
    }
    for (int i = 0; i < cases.size(); i++) {
      for (int j = 0; j < cases.size(); j++) {
        String ours = cases.get(i).name();
        if (ours.startsWith("apibilling") && cases.get(j).name().equals(RIVALS.get(ours))) {
          System.out.printf(Locale.ROOT, "%s / %s: %.2f%n", ours, cases.get(j).name(), median[i] / median[j]);
        }
      }
    }
    one.close();
    three.close();
    oneNoForecasts.close();
    one2t.close();
  }

  /** One round of a case: CPU nanoseconds per decision and thread. */
  private static double run(Case c, int ops) throws Exception {
    CyclicBarrier start = new CyclicBarrier(c.threads());
    long[] cpu = new long[c.threads()];
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < c.threads(); t++) {
      int index = t;
      Thread thread = new Thread(() -> {
        Blackhole bh = new Blackhole(
            "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        try {
          start.await();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        long before = THREADS.getCurrentThreadCpuTime();
        c.loop().run(ops, bh);
        cpu[index] = THREADS.getCurrentThreadCpuTime() - before;
        bh.evaporate("Yes, I am Stephen Hawking, and know a thing or two about black holes.");
      });
      threads.add(thread);
      thread.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    return (double) Arrays.stream(cpu).sum() / ((long) ops * c.threads());
  }
}
