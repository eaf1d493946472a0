package dev.apibilling.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```java} block of the repository's READMEs (the root one and each module's) compiles as
 * pasted: each block is a whole source file (imports and one top-level class) compiled on its own, with the
 * project's {@code -Xlint:all -Werror}, against this module's test classpath, which holds every published
 * module (core, both stores, the servlet filter, the Spring adapter) and Spring MVC. Within one README the
 * classes have different names, so all its blocks can be pasted into one project.
 */
final class ReadmeJavaBlocksTest {

  private static final Pattern TOP_LEVEL_TYPE =
      Pattern.compile("(?m)^(?:public\\s+)?(?:final\\s+|abstract\\s+)*(?:class|record|interface|enum)\\s+(\\w+)");

  @Test
  void everyJavaBlockOfEveryReadmeCompilesAsPasted(@TempDir Path out) throws IOException {
    List<Block> blocks = new ArrayList<>();
    for (Path readme : readmes()) {
      List<Block> found = blocks(readme);
      Set<String> names = new HashSet<>();
      for (Block block : found) {
        assertThat(names.add(block.typeName()))
            .as("%s declares %s in two blocks", block.where(), block.typeName()).isTrue();
      }
      blocks.addAll(found);
    }
    assertThat(blocks).as("java blocks in the READMEs").isNotEmpty();

    List<String> errors = new ArrayList<>();
    for (Block block : blocks) {
      errors.addAll(compile(block, Files.createTempDirectory(out, "classes")));
    }
    assertThat(errors).as("compiler errors in README java blocks").isEmpty();
  }

  @Test
  void aBlockThatDoesNotCompileIsReported(@TempDir Path out) throws IOException {
    Block broken = new Block("README.md", 3, """
        public class Pasted {
          void twice() {
            int d = 1;
            int d = 2;
          }
        }
        """);

    assertThat(compile(broken, out))
        .singleElement().asString().startsWith("README.md:6:").contains("variable d is already defined");
  }

  @Test
  void aBlockThatIsNotAWholeFileIsReported(@TempDir Path out) {
    Block fragment = new Block("README.md", 1, "Report create(...) { ... }\n");

    assertThat(fragment.typeName()).isEmpty();
    assertThat(compile(fragment, out)).singleElement().asString()
        .contains("not a whole source file");
  }

  /** A {@code ```java} block: its text and where it starts (the line after the fence). */
  record Block(String readme, int firstLine, String text) {

    String where() {
      return readme + ":" + firstLine;
    }

    /** The name of the block's public top-level type, else of its first one; empty if it declares none. */
    String typeName() {
      Matcher m = TOP_LEVEL_TYPE.matcher(text);
      String first = "";
      while (m.find()) {
        if (m.group().startsWith("public")) {
          return m.group(1);
        }
        if (first.isEmpty()) {
          first = m.group(1);
        }
      }
      return first;
    }
  }

  /** The errors (and warnings, as {@code -Werror} makes them errors) of compiling the block, as README lines. */
  static List<String> compile(Block block, Path classes) {
    if (block.typeName().isEmpty()) {
      return List.of(block.where() + ": not a whole source file (imports and a top-level class)");
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    JavaFileObject source = new SimpleJavaFileObject(
        URI.create("string:///" + block.typeName() + ".java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return block.text();
      }
    };
    List<String> options = List.of("-classpath", testClassPath(), "-d", classes.toString(), "-proc:none",
        "-Xlint:all,-processing,-serial", "-Werror", "-encoding", "UTF-8");
    boolean compiled = javac.getTask(null, null, diagnostics, options, null, List.of(source)).call();
    List<String> errors = new ArrayList<>();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      if (d.getKind() == Diagnostic.Kind.ERROR || d.getKind() == Diagnostic.Kind.WARNING
          || d.getKind() == Diagnostic.Kind.MANDATORY_WARNING) {
        long line = block.firstLine() + Math.max(d.getLineNumber(), 1) - 1;
        errors.add(block.readme() + ":" + line + ": " + d.getMessage(Locale.ROOT));
      }
    }
    if (!compiled && errors.isEmpty()) {
      errors.add(block.where() + ": did not compile");
    }
    return errors;
  }

  /** The ```java blocks of one README, named by its path from the repository root. */
  static List<Block> blocks(Path readme) throws IOException {
    String name = root().relativize(readme).toString().replace('\\', '/');
    List<String> lines = Files.readAllLines(readme, StandardCharsets.UTF_8);
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).strip().equals("```java")) {
        int first = i + 1;
        StringBuilder text = new StringBuilder();
        for (i = first; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
          text.append(lines.get(i)).append('\n');
        }
        blocks.add(new Block(name, first + 1, text.toString()));
      }
    }
    return blocks;
  }

  /** The root README and every module's. */
  static List<Path> readmes() throws IOException {
    Path root = root();
    List<Path> readmes = new ArrayList<>();
    readmes.add(root.resolve("README.md"));
    try (Stream<Path> modules = Files.list(root)) {
      modules.map(m -> m.resolve("README.md")).filter(Files::isRegularFile).sorted().forEach(readmes::add);
    }
    return readmes;
  }

  /** The repository root: the parent of this module's directory (surefire runs tests in the module). */
  static Path root() {
    Path root = Path.of("").toAbsolutePath().getParent();
    if (root == null || !Files.isRegularFile(root.resolve("README.md"))) {
      throw new UncheckedIOException(new IOException("no repository root above " + Path.of("").toAbsolutePath()));
    }
    return root;
  }

  /** The test classpath: surefire passes it in a property when it starts tests through a manifest jar. */
  static String testClassPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }
}
