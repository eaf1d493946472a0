package dev.apibilling.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * {@link HttpBenchmark}'s servers compared in interleaved time slots, for a machine whose load changes from
 * second to second: one JVM per variant (so no variant's types pollute another's JIT profiles), all started
 * together; variant {@code i} of {@code n} drives its Jetty with {@value HttpBenchmark#CLIENTS} keep-alive
 * client threads only during the wall-clock seconds {@code s} with {@code s % n == i} (from 50 ms after the
 * second starts to 50 ms before it ends) and idles otherwise, so the variants take turns on the same
 * machine. Each active slot gives requests per second and the JVM's CPU time per request; after the
 * warm-up slots, the medians of the measured slots (and the lower quartile of the CPU per request: the
 * slots least disturbed by other work) are reported side by side, with each variant's ratio to the first
 * ({@code bare}). Under C2 on a busy machine the filter's path needs a long warm-up (40 slots).
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.apibilling.benchmarks.FilterOverhead [slots [warm-up slots]]
 * }</pre>
 */
public final class FilterOverhead {

  static final List<String> VARIANTS = List.of("bare", "passThroughFilter", "withFilter", "withFilterNotAsync");

  private FilterOverhead() {}

  /**
   * Runs the variants; arguments: measured slots (15), warm-up slots (10), then the variants (default
   * {@link #VARIANTS}), each an {@link HttpBenchmark} method name, optionally {@code =CLASSPATH} to run it
   * on another build (say, the jar of an earlier commit after this module's classes) and {@code @LABEL}.
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("variant")) {
      variant(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
          Integer.parseInt(args[5]));
      return;
    }
    int slots = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    List<String> specs = args.length > 2 ? List.of(args).subList(2, args.length) : VARIANTS;
    System.out.print(table(run(slots, warmup, specs)));
  }

  /** One variant's medians over the measured slots. */
  record Row(String label, double requestsPerSecond, double cpuMicros, double cpuMicrosLowerQuartile) {}

  /**
   * Runs {@code specs} (as {@link #main} takes them) in interleaved slots, each in its own JVM; prints each
   * slot to standard error as it ends.
   *
   * @return a row per variant, in the order given
   */
  static List<Row> run(int slots, int warmup, List<String> specs) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<Process> processes = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      String spec = specs.get(i);
      String label = spec.contains("@") ? spec.substring(spec.indexOf('@') + 1) : spec;
      spec = spec.contains("@") ? spec.substring(0, spec.indexOf('@')) : spec;
      String name = spec.contains("=") ? spec.substring(0, spec.indexOf('=')) : spec;
      String classpath = spec.contains("=") ? spec.substring(spec.indexOf('=') + 1) : System.getProperty("java.class.path");
      labels.add(label);
      processes.add(new ProcessBuilder(java, "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "-cp", classpath,
          FilterOverhead.class.getName(), "variant", name, Integer.toString(i), Integer.toString(specs.size()),
          Integer.toString(warmup), Integer.toString(slots)).redirectErrorStream(true).start());
    }
    String[] lines = new String[specs.size()];
    for (int i = 0; i < processes.size(); i++) {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(processes.get(i).getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("result\t")) {
            lines[i] = line;
          } else if (line.startsWith("slot\t") || line.contains("Exception")) {
            System.err.println(labels.get(i) + " " + line);
          }
        }
      }
      if (processes.get(i).waitFor() != 0 || lines[i] == null) {
        throw new IllegalStateException(labels.get(i) + " failed");
      }
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String[] p = lines[i].split("\t");
      rows.add(new Row(labels.get(i), Double.parseDouble(p[1]), Double.parseDouble(p[2]),
          Double.parseDouble(p[3])));
    }
    return rows;
  }

  /** The rows as a Markdown table, each with its ratios to the first row's. */
  static String table(List<Row> rows) {
    Row base = rows.get(0);
    StringBuilder s = new StringBuilder();
    s.append("| variant | requests/s (median) | / ").append(base.label())
        .append(" | JVM CPU per request, us (median) | / ").append(base.label())
        .append(" | CPU, us (lower quartile) | / ").append(base.label()).append(" |\n");
    s.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      s.append(String.format(Locale.ROOT, "| %s | %,.0f | %.3f | %.2f | %.3f | %.2f | %.3f |\n", r.label(),
          r.requestsPerSecond(), r.requestsPerSecond() / base.requestsPerSecond(), r.cpuMicros(),
          r.cpuMicros() / base.cpuMicros(), r.cpuMicrosLowerQuartile(),
          r.cpuMicrosLowerQuartile() / base.cpuMicrosLowerQuartile()));
    }
    return s.toString();
  }

  /** Runs variant {@code name} in slot {@code slot} of {@code of}; prints each slot and the medians. */
  private static void variant(String name, int slot, int of, int warmup, int slots) throws Exception {
    HttpBenchmark.Jetty jetty = new HttpBenchmark.Jetty();
    jetty.start(HttpBenchmark.class.getName() + "." + name);
    HttpBenchmark.Client[] clients = new HttpBenchmark.Client[HttpBenchmark.CLIENTS];
    for (int c = 0; c < clients.length; c++) {
      clients[c] = new HttpBenchmark.Client();
      clients[c].connect(jetty, 0);
    }
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    double[] rates = new double[slots];
    double[] cpu = new double[slots];
    try {
      for (int s = -warmup; s < slots; s++) {
        long second = nextSlot(slot, of);
        long from = second * 1000 + 50;
        long until = second * 1000 + 950;
        sleepUntil(from);
        long cpuStart = os.getProcessCpuTime();
        long nanoStart = System.nanoTime();
        long n = drive(jetty, clients, until);
        long cpuNanos = os.getProcessCpuTime() - cpuStart;
        double seconds = (System.nanoTime() - nanoStart) / 1e9;
        if (s >= 0) {
          rates[s] = n / seconds;
          cpu[s] = cpuNanos / 1000.0 / Math.max(1, n);
          System.out.println(String.format(Locale.ROOT, "slot\t%d\t%.0f\t%.2f", s, rates[s], cpu[s]));
        }
      }
    } finally {
      for (HttpBenchmark.Client c : clients) {
        c.close();
      }
      jetty.server.stop();
      if (jetty.billing != null) {
        jetty.billing.close();
      }
    }
    double[] sorted = cpu.clone();
    Arrays.sort(sorted);
    System.out.println(String.format(Locale.ROOT, "result\t%.1f\t%.3f\t%.3f", Measures.median(rates), Measures.median(cpu),
        sorted[sorted.length / 4]));
  }

  /** The next whole epoch second, at least 1 s away, whose number is {@code slot} modulo {@code of}. */
  private static long nextSlot(int slot, int of) {
    long s = System.currentTimeMillis() / 1000 + 1;
    while (Math.floorMod(s, of) != slot) {
      s++;
    }
    return s;
  }

  private static void sleepUntil(long epochMillis) throws InterruptedException {
    long wait;
    while ((wait = epochMillis - System.currentTimeMillis()) > 0) {
      Thread.sleep(wait);
    }
  }

  /** The client threads send requests until {@code until} (epoch millis); returns how many were answered. */
  private static long drive(HttpBenchmark.Jetty jetty, HttpBenchmark.Client[] clients, long until)
      throws InterruptedException {
    long[] counts = new long[clients.length];
    IOException[] failures = new IOException[clients.length];
    CountDownLatch done = new CountDownLatch(clients.length);
    for (int c = 0; c < clients.length; c++) {
      int i = c;
      Thread t = new Thread(() -> {
        try {
          while (System.currentTimeMillis() < until) {
            clients[i].get(jetty);
            counts[i]++;
          }
        } catch (IOException e) {
          failures[i] = e;
        } finally {
          done.countDown();
        }
      });
      t.start();
    }
    done.await();
    for (IOException e : failures) {
      if (e != null) {
        throw new IllegalStateException(e);
      }
    }
    return Arrays.stream(counts).sum();
  }
}
