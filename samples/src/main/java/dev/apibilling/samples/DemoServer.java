package dev.apibilling.samples;

import dev.apibilling.spi.UsageStores;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.jspecify.annotations.Nullable;

/**
 * Starts the demo: an embedded Jetty 12 deploying the web application in {@code apibilling-demo/} of the
 * class path, whose {@code WEB-INF/web.xml} declares {@code ApiBillingFilter} with init-params.
 *
 * <p>The command line ({@code --port}, {@code --store}, {@code --store-failure}, {@code --host}) is described by
 * {@code --help}.
 * The {@code --store} URL replaces the {@code store} init-param of the filter before the filter starts; every
 * other setting comes from {@code web.xml}. Prints one line with the URL when ready; bad flags print the usage
 * and exit with status 2, a failure to start (port taken, store unreachable) exits with status 1.
 */
public final class DemoServer {

  /** The {@code filter-name} of {@code ApiBillingFilter} in the demo's {@code web.xml}. */
  static final String FILTER_NAME = "apibilling";

  /** The filter's init-param naming the store URL. */
  static final String STORE_PARAM = "store";

  /** The filter's init-param naming the store-failure policy. */
  static final String STORE_FAILURE_PARAM = "store-failure-policy";
  /** The filter's init-param switching leases on, set by {@code --leases}. */
  static final String LEASES_PARAM = "leases.enabled";

  static final String WEBAPP = "apibilling-demo/";

  private DemoServer() {}

  public static void main(String[] args) throws InterruptedException {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("apibilling demo: " + e.getMessage());
      System.err.println();
      System.err.print(DemoOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.print(DemoOptions.USAGE);
      return;
    }
    Server server;
    try {
      server = start(options);
    } catch (Exception e) {
      System.err.println("apibilling demo: could not start: " + messages(e));
      System.exit(1);
      return;
    }
    String url = baseUrl(options.host(), ((ServerConnector) server.getConnectors()[0]).getLocalPort());
    String store = UsageStores.redacted(options.store());
    String export = options.exportTo() != null ? "; exporting usage events to " + UsageStores.redacted(options.exportTo())
        : options.exportFile() != null ? "; exporting usage events to " + options.exportFile() : "";
    System.out.println("apibilling demo listening on " + url + " (store " + store + "); usage page " + url + "billing/ ; API keys demo-key and pro-key (header X-Api-Key)" + export);
    server.join();
  }

  /** Starts the server; the caller stops it. */
  static Server start(DemoOptions options) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(options.host());
    connector.setPort(options.port());
    server.addConnector(connector);

    WebAppContext webapp = new WebAppContext();
    webapp.setContextPath("/");
    Resource base = ResourceFactory.of(server).newClassLoaderResource(WEBAPP);
    if (base == null) {
      throw new IllegalStateException(WEBAPP + " is missing from the class path");
    }
    webapp.setBaseResource(base);
    webapp.setParentLoaderPriority(true);
    webapp.setThrowUnavailableOnStartupException(true);
    webapp.setErrorHandler(new DemoErrors.PageHandler());
    Map<String, String> params = new LinkedHashMap<>();
    params.put(STORE_PARAM, options.store());
    params.put(STORE_FAILURE_PARAM, options.storeFailure().toString());
    if (options.exportTo() != null) {
      params.put("events.export-to", options.exportTo());
    }
    if (options.exportFile() != null) {
      params.put("events.export-file", options.exportFile());
    }
    if (options.leases()) {
      params.put(LEASES_PARAM, "true");
      params.put("usage-events", "false");     // a decision made from a lease is not recorded as an event
    }
    webapp.addEventListener(new FilterParams(webapp, params));
    server.setHandler(webapp);
    server.setErrorHandler(new DemoErrors.Handler());
    server.setStopAtShutdown(true);
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return server;
  }

  static String baseUrl(String host, int port) {
    String shown = host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
    if (shown.contains(":")) {
      shown = "[" + shown + "]";
    }
    return "http://" + shown + ":" + port + "/";
  }


  /** The distinct messages of an exception and its causes, in one line. */
  static String messages(Throwable e) {
    List<String> parts = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m == null || m.isBlank()) {
        m = t.getClass().getSimpleName();
      }
      int colon = m.indexOf(": ");
      String tail = colon >= 0 ? m.substring(colon + 2) : m;
      boolean known = false;
      for (String p : parts) {
        known |= p.contains(m) || p.contains(tail);
      }
      if (!known) {
        parts.add(m);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return String.join(": ", parts);
  }

  /**
   * Sets the filter's init-params from the flags ({@code store}, {@code store-failure-policy},
   * {@code events.export-to}, {@code events.export-file}, {@code leases.enabled}),
   * after web.xml is read and before filters start.
   */
  private static final class FilterParams implements ServletContextListener {
    private final WebAppContext webapp;
    private final Map<String, String> params;

    FilterParams(WebAppContext webapp, Map<String, String> params) {
      this.webapp = webapp;
      this.params = params;
    }

    @Override
    public void contextInitialized(ServletContextEvent event) {
      @Nullable FilterHolder holder = webapp.getServletHandler().getFilter(FILTER_NAME);
      if (holder == null) {
        throw new IllegalStateException("WEB-INF/web.xml declares no filter named '" + FILTER_NAME + "'");
      }
      params.forEach(holder::setInitParameter);
    }
  }
}
