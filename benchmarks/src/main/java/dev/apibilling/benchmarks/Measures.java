package dev.apibilling.benchmarks;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the interleaved A/B harnesses share: timed phases of deciding threads, medians and Redis {@code INFO}
 * figures.
 */
final class Measures {

  private Measures() {}

  /** Runs {@code threads} daemon threads making decisions for {@code seconds}; returns the decisions made. */
  static long phase(Runnable decide, int threads, int seconds) throws InterruptedException {
    LongAdder count = new LongAdder();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        while (System.nanoTime() < end) {
          decide.run();
          count.increment();
        }
        done.countDown();
      });
      thread.setDaemon(true);
      thread.start();
    }
    done.await();
    return count.sum();
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** used_cpu_sys + used_cpu_user of an INFO cpu answer, seconds. */
  static double redisCpuSeconds(String info) {
    double seconds = 0;
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
        seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return seconds;
  }

  /** {calls, usec} of evalsha in an INFO commandstats answer. */
  static double[] evalsha(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("cmdstat_evalsha:")) {
        double calls = 0;
        double usec = 0;
        for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
          String[] kv = part.split("=");
          if (kv[0].equals("calls")) {
            calls = Double.parseDouble(kv[1]);
          } else if (kv[0].equals("usec")) {
            usec = Double.parseDouble(kv[1]);
          }
        }
        return new double[] {calls, usec};
      }
    }
    return new double[] {0, 0};
  }
}
