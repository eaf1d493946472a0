package dev.apibilling.tck;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints one line in the build's console for each group of tests that did not run: the tests of one class
 * skipped for one reason (a server that does not answer, a browser that is not installed), with how many
 * and why. Surefire and failsafe otherwise say why only in their XML reports.
 *
 * <p>Registered for every module that tests with this kit through
 * {@code META-INF/services/org.junit.platform.launcher.TestExecutionListener} of the test-jar.
 */
public final class SkippedTestsReport implements TestExecutionListener {

  /** What a line starts with, so that a reader (or grep) finds every skip of a build. */
  public static final String PREFIX = "[apibilling] SKIPPED ";

  private final Map<String, Map<String, Integer>> skipped = new ConcurrentHashMap<>();
  private final Map<String, Integer> tests = new ConcurrentHashMap<>();

  @Override
  public void executionSkipped(TestIdentifier test, String reason) {
    String owner = owner(test.getSource().orElse(null));
    if (owner == null) {
      return;
    }
    if (test.isTest()) {
      count(owner, reason);
    } else if (test.getSource().orElse(null) instanceof ClassSource) {
      say("every test of " + simpleName(owner) + ": " + reason);
    }
  }

  @Override
  public void executionFinished(TestIdentifier test, TestExecutionResult result) {
    TestSource source = test.getSource().orElse(null);
    String owner = owner(source);
    if (owner == null) {
      return;
    }
    boolean aborted = result.getStatus() == TestExecutionResult.Status.ABORTED;
    if (test.isTest()) {
      if (aborted) {
        count(owner, reason(result));
      } else {
        tests.merge(owner, 1, Integer::sum);
      }
    } else if (source instanceof ClassSource) {
      if (aborted) {
        say("every test of " + simpleName(owner) + ": " + reason(result));
      }
      report(owner);
    }
  }

  private void count(String owner, String reason) {
    tests.merge(owner, 1, Integer::sum);
    skipped.computeIfAbsent(owner, o -> new ConcurrentHashMap<>()).merge(reason, 1, Integer::sum);
  }

  private void report(String owner) {
    Map<String, Integer> reasons = skipped.remove(owner);
    int total = tests.getOrDefault(owner, 0);
    tests.remove(owner);
    if (reasons != null) {
      new TreeMap<>(reasons).forEach((reason, count) ->
          say(count + " of " + total + " tests in " + simpleName(owner) + ": " + reason));
    }
  }

  private static void say(String line) {
    System.out.println(PREFIX + line);
  }

  private static @Nullable String owner(@Nullable TestSource source) {
    if (source instanceof MethodSource method) {
      return method.getClassName();
    }
    if (source instanceof ClassSource type) {
      return type.getClassName();
    }
    return null;
  }

  private static String simpleName(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }

  private static String reason(TestExecutionResult result) {
    return result.getThrowable()
        .map(Throwable::getMessage)
        .map(m -> m.replaceFirst("^Assumption failed: ", ""))
        .orElse("no reason given");
  }
}
