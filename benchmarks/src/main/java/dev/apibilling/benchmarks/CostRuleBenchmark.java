package dev.apibilling.benchmarks;

import dev.apibilling.servlet.CostRule;
import dev.apibilling.servlet.CostRules;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost-rule matching against hostile input (not part of the suite's table; run it with
 * {@code java -jar benchmarks.jar jmh CostRule}): the worst rules we could write, each of at most 200
 * characters, against an 8 KB path that does not match (so every state of the matcher stays busy to the
 * end). Target: under 50 us per match. Each measurement iteration also prints the benchmark thread's CPU
 * time per match ({@code cpu/op}), which other work on a shared machine inflates far less than the wall
 * time JMH reports.
 *
 * <ul>
 *   <li>{@code doubleStars}: the rule of issue 11, {@code /api/**}{@code /x/**}{@code /x/**}{@code /y},
 *       against {@code /api/x/x/.../x/z}: a backtracking matcher takes cubic time here;
 *   <li>{@code manyDoubleStars}: 39 {@code **} segments between {@code x} segments, every state live on
 *       every segment of {@code /x/x/.../z};
 *   <li>{@code longRule}: {@code /**} then 97 {@code x} segments and {@code y}: the most states a rule can
 *       have (two 64-bit words of them), all live on {@code /x/x/.../z};
 *   <li>{@code liveGlobs}: 28 different globs, each behind a {@code **}, all matching the path's
 *       segments, so each is tried on every segment;
 *   <li>{@code scanningGlobs}: globs whose middle piece is found only at the end of each 1 KB segment.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
public class CostRuleBenchmark {

  /** The path's length in characters. */
  static final int PATH_LENGTH = 8 * 1024;

  @Param({"doubleStars", "manyDoubleStars", "longRule", "liveGlobs", "scanningGlobs"})
  public String rule;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private CostRules rules;
  private String path;
  private long ops;
  private long cpuAtStart;

  @Setup
  public void setUp() {
    String pattern;
    switch (rule) {
      case "doubleStars" -> {
        pattern = "/api/**/x/**/x/**/y";
        path = fill("/api", "/x", "/z");
      }
      case "manyDoubleStars" -> {
        pattern = "/**/x".repeat(39) + "/y";
        path = fill("", "/x", "/z");
      }
      case "longRule" -> {
        pattern = "/**" + "/x".repeat(97) + "/y";
        path = fill("", "/x", "/z");
      }
      case "liveGlobs" -> {
        StringBuilder p = new StringBuilder();
        for (char c = 'a'; p.length() + 7 <= CostRule.MAX_PATTERN_LENGTH - 2 && c <= 'z'; c++) {
          p.append("/**/*").append(c).append('*');
        }
        pattern = p + "/!";
        path = fill("", "/abcdefghijklmnopqrstuvwxyz", "/z");
      }
      case "scanningGlobs" -> {
        StringBuilder p = new StringBuilder();
        for (int n = 12; p.length() + n + 7 <= CostRule.MAX_PATTERN_LENGTH - 2; n++) {
          p.append("/**/*").append("x".repeat(n)).append("y*");
        }
        pattern = p + "/!";
        path = fill("", "/" + "x".repeat(1022) + "y", "/z");
      }
      default -> throw new IllegalArgumentException("unknown rule " + rule);
    }
    if (pattern.length() > CostRule.MAX_PATTERN_LENGTH) {
      throw new IllegalStateException("rule longer than allowed: " + pattern.length());
    }
    rules = CostRules.of(1, List.of(new CostRule("GET", pattern, 5)));
    if (rules.costOf("GET", path) != 1) {
      throw new IllegalStateException("the path must not match " + pattern);
    }
  }

  /** {@code prefix}, then {@code segment} as often as fits, then {@code last}: {@link #PATH_LENGTH} at most. */
  private static String fill(String prefix, String segment, String last) {
    StringBuilder b = new StringBuilder(PATH_LENGTH).append(prefix);
    while (b.length() + segment.length() + last.length() <= PATH_LENGTH) {
      b.append(segment);
    }
    return b.append(last).toString();
  }

  @Setup(Level.Iteration)
  public void startIteration() {
    ops = 0;
    cpuAtStart = THREADS.getCurrentThreadCpuTime();
  }

  @TearDown(Level.Iteration)
  public void endIteration() {
    long cpu = THREADS.getCurrentThreadCpuTime() - cpuAtStart;
    System.out.printf(Locale.ROOT, "  cpu/op %s: %.1f us%n", rule, cpu / 1000.0 / Math.max(1, ops));
  }

  @Benchmark
  public long match() {
    ops++;
    return rules.costOf("GET", path);
  }
}
