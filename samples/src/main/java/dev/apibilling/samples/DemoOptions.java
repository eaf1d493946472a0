package dev.apibilling.samples;

import dev.apibilling.servlet.StoreFailurePolicy;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The command line of the demo, parsed and validated.
 *
 * @param host the address to bind
 * @param port the port to listen on, {@code 0} for any free port
 * @param store the store URL handed to the filter's {@code store} init-param
 * @param storeFailure what a request gets while the store fails, handed to the filter's
 *     {@code store-failure} init-param
 * @param exportTo the URL usage events are exported to (the filter's {@code events.export-to}), or null
 * @param exportFile the file usage events are exported to (the filter's {@code events.export-file}), or null
 * @param help whether only the usage text was asked for
 * @param leases whether the filter leases budgets of hot clients (its {@code leases.enabled} init-param)
 */
record DemoOptions(String host, int port, String store, StoreFailurePolicy storeFailure, @Nullable String exportTo,
    @Nullable String exportFile, boolean help, boolean leases) {

  /** Options without leases. */
  DemoOptions(String host, int port, String store, StoreFailurePolicy storeFailure, @Nullable String exportTo,
      @Nullable String exportFile, boolean help) {
    this(host, port, store, storeFailure, exportTo, exportFile, help, false);
  }

  static final String USAGE = """
      Usage: java -jar apibilling-samples.jar [--port N] [--store URL] [--store-failure POLICY] [--host ADDRESS]
                                              [--export-to URL | --export-file PATH | --leases]

        --port N         port to listen on, 0 to 65535 (default 8080; 0 picks a free port)
        --store URL      where usage is kept (default memory):
                           memory
                           redis://127.0.0.1:6379
                           jdbc:postgresql://127.0.0.1:5432/test?user=postgres
                           jdbc:mariadb://127.0.0.1:3306/test?user=root
                           jdbc:h2:file:./demo-usage
                         demos started with the same Redis or SQL store share one budget
        --store-failure POLICY  what a request gets while the store fails (default fail-open):
                           fail-open    served, unbilled, without RateLimit fields
                           fail-closed  503 with Retry-After
        --host ADDRESS   address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
        --export-to URL  post every billed request's usage event to URL as CloudEvents batches
                         (application/cloudevents-batch+json, e.g. OpenMeter's /api/v1/events)
        --export-file PATH
                         append every billed request's usage event to PATH as a JSON line
        --leases         lease budgets of hot clients: most of their requests need no store call
                         (usage events are off with leases; not combined with --export-*)
        --help           print this text

      API keys (header X-Api-Key): demo-key (10 credits a minute, 1000 a month, reports at most 100 a day),
                                   pro-key (100 credits a minute, 100000 a month)
      Endpoints: GET /api/hello (1 credit), GET /api/report (5 credits), GET /api/fail (500, not charged),
                 GET /billing/usage (your quotas as JSON), GET /billing/ (the usage page)
      """;

  static final int DEFAULT_PORT = 8080;
  static final String DEFAULT_HOST = "127.0.0.1";
  static final String DEFAULT_STORE = "memory";

  /**
   * Parses {@code --name value} and {@code --name=value} flags.
   *
   * @throws IllegalArgumentException naming the flag that was wrong and what it allows
   */
  static DemoOptions parse(String... args) {
    String host = DEFAULT_HOST;
    int port = DEFAULT_PORT;
    String store = DEFAULT_STORE;
    String exportTo = null;
    String exportFile = null;
    StoreFailurePolicy storeFailure = StoreFailurePolicy.FAIL_OPEN;
    boolean help = false;
    boolean leases = false;
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (!name.equals("--help") && !name.equals("-h") && !seen.add(name)) {
        throw new IllegalArgumentException(name + " is given twice");
      }
      switch (name) {
        case "--help", "-h" -> {
          if (value != null) {
            throw new IllegalArgumentException(name + " takes no value");
          }
          help = true;
        }
        case "--leases" -> {
          if (value != null) {
            throw new IllegalArgumentException(name + " takes no value");
          }
          leases = true;
        }
        case "--port" -> {
          value = value != null ? value : next(args, ++i, name);
          port = port(value);
        }
        case "--store" -> {
          value = value != null ? value : next(args, ++i, name);
          if (value.isBlank()) {
            throw new IllegalArgumentException(
                "--store must be a store URL (memory, redis://..., jdbc:...) but was blank");
          }
          store = value.trim();
        }
        case "--store-failure" -> {
          value = value != null ? value : next(args, ++i, name);
          try {
            storeFailure = StoreFailurePolicy.parse(value);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--store-failure: " + e.getMessage(), e);
          }
        }
        case "--host" -> {
          value = value != null ? value : next(args, ++i, name);
          if (value.isBlank() || value.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(
                "--host must be an address such as 127.0.0.1 or 0.0.0.0 but was '" + value + "'");
          }
          host = value;
        }
        case "--export-to" -> {
          value = value != null ? value : next(args, ++i, name);
          if (!value.trim().matches("(?i)https?://\\S+")) {
            throw new IllegalArgumentException("--export-to must be an http:// or https:// URL but was '" + value + "'");
          }
          exportTo = value.trim();
        }
        case "--export-file" -> {
          value = value != null ? value : next(args, ++i, name);
          if (value.isBlank()) {
            throw new IllegalArgumentException("--export-file must be a file path but was blank");
          }
          exportFile = value.trim();
        }
        default -> throw new IllegalArgumentException("unknown option '" + arg
            + "'; the options are --port, --store, --store-failure, --host, --export-to, --export-file, --leases"
            + " and --help");
      }
    }
    if (exportTo != null && exportFile != null) {
      throw new IllegalArgumentException("--export-to and --export-file cannot be combined: events go to one sink");
    }
    if (leases && (exportTo != null || exportFile != null)) {
      throw new IllegalArgumentException("--leases cannot be combined with --export-to or --export-file: a decision "
          + "made from a lease is not recorded as a usage event");
    }
    return new DemoOptions(host, port, store, storeFailure, exportTo, exportFile, help, leases);
  }

  private static String next(String[] args, int i, String name) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    return args[i];
  }

  private static int port(String text) {
    try {
      int port = Integer.parseInt(text.trim());
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "--port must be a whole number from 0 to 65535 but was '" + text + "'");
  }
}
