package dev.apibilling;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Guards core's layering: no package of core uses a package that uses it back, read from the sources'
 * imports and fully qualified names (comments left out).
 */
final class PackageCyclesTest {

  private static final Path SOURCES = Path.of("src/main/java");
  private static final Pattern REFERENCE = Pattern.compile("\\b(dev\\.apibilling(?:\\.[a-z][a-z0-9_]*)*)\\.[A-Z]");

  @Test
  void corePackagesFormNoCycle() {
    Map<String, Set<String>> uses = uses();
    assertThat(uses).containsKeys("dev.apibilling", "dev.apibilling.spi", "dev.apibilling.memory",
        "dev.apibilling.events");
    List<String> cycles = new ArrayList<>();
    for (String from : uses.keySet()) {
      for (String to : uses.get(from)) {
        if (reaches(uses, to, from, new TreeSet<>())) {
          cycles.add(from + " -> " + to + " -> ... -> " + from);
        }
      }
    }
    assertThat(cycles).as("package cycles in core").isEmpty();
  }

  @Test
  void memoryStoreIsReachedOnlyThroughTheSpi() {
    Map<String, Set<String>> uses = uses();
    uses.forEach((from, to) -> {
      if (!from.equals("dev.apibilling.memory")) {
        assertThat(to).as(from + " uses").doesNotContain("dev.apibilling.memory");
      }
    });
  }

  /** Whether {@code from} reaches {@code target} along the edges of {@code uses}. */
  private static boolean reaches(Map<String, Set<String>> uses, String from, String target, Set<String> seen) {
    if (from.equals(target)) {
      return true;
    }
    if (!seen.add(from)) {
      return false;
    }
    for (String next : uses.getOrDefault(from, Set.of())) {
      if (reaches(uses, next, target, seen)) {
        return true;
      }
    }
    return false;
  }

  /** The core packages each core package refers to, itself left out. */
  private static Map<String, Set<String>> uses() {
    Map<String, Set<String>> uses = new TreeMap<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String pkg = SOURCES.relativize(file.getParent()).toString().replace(file.getFileSystem().getSeparator(), ".");
        Set<String> used = uses.computeIfAbsent(pkg, p -> new TreeSet<>());
        Matcher m = REFERENCE.matcher(withoutComments(Files.readString(file)));
        while (m.find()) {
          if (!m.group(1).equals(pkg)) {
            used.add(m.group(1));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return uses;
  }

  /** The text without block, javadoc and line comments (string literals naming packages are rare enough). */
  private static String withoutComments(String source) {
    return source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
  }
}
