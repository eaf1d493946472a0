package dev.apibilling.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measurements a benchmark takes besides its score (round trips per decision, commands per decision), passed
 * from JMH's forked JVM to {@link Suite}: appended as one line per benchmark to the file named by the system
 * property {@value #PROPERTY}, and printed to standard output so a plain JMH run shows them too.
 */
final class Extras {

  static final String PROPERTY = "apibilling.bench.extras";

  private Extras() {}

  /** Records {@code values} (name to number, in order) for the benchmark with the given full name. */
  static void record(String benchmark, Map<String, String> values) {
    StringBuilder line = new StringBuilder(benchmark);
    values.forEach((k, v) -> line.append('\t').append(k).append('=').append(v));
    System.out.println();
    System.out.println("# extras " + line);
    String file = System.getProperty(PROPERTY);
    if (file != null) {
      try {
        Files.writeString(Path.of(file), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Reads what {@link #record} wrote: benchmark full name to its values. */
  static Map<String, Map<String, String>> read(Path file) throws IOException {
    Map<String, Map<String, String>> result = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return result;
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      List<String> parts = new ArrayList<>(List.of(line.split("\t")));
      if (parts.isEmpty() || parts.get(0).isBlank()) {
        continue;
      }
      Map<String, String> values = result.computeIfAbsent(parts.remove(0), k -> new LinkedHashMap<>());
      for (String p : parts) {
        int eq = p.indexOf('=');
        if (eq > 0) {
          values.put(p.substring(0, eq), p.substring(eq + 1));
        }
      }
    }
    return result;
  }

  /** A ratio formatted with two decimals, or "n/a" when nothing was counted. */
  static String perDecision(long count, long decisions) {
    return decisions == 0 ? "n/a" : String.format(java.util.Locale.ROOT, "%.2f", (double) count / decisions);
  }
}
