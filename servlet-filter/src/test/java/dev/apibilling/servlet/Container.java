package dev.apibilling.servlet;

import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;

/**
 * The real servlet containers the filter's HTTP tests run on: each starts a web application at "/" on a
 * random loopback port, built by Servlet API calls only ({@link WebApp}), so one test body runs on both.
 */
enum Container {

  JETTY_12 {
    @Override
    Running start(WebApp app) throws Exception {
      ServletContextHandler context = new ServletContextHandler();
      context.setContextPath("/");
      context.addServletContainerInitializer(initializer(app));
      TestServer server;
      try {
        server = TestServer.start(context);
      } catch (Exception e) {
        throw new StartupFailed(e);
      }
      if (!context.isAvailable()) {
        server.close();
        throw new StartupFailed(new IllegalStateException("the context is unavailable"));
      }
      return new Running(server::uri, server::close);
    }
  },

  TOMCAT_10_1 {
    @Override
    Running start(WebApp app) throws Exception {
      Path base = Files.createTempDirectory("apibilling-tomcat");
      Tomcat tomcat = new Tomcat();
      tomcat.setBaseDir(base.toString());
      Connector connector = new Connector();
      connector.setPort(0);
      connector.setProperty("address", "127.0.0.1");
      tomcat.setConnector(connector);
      Context context = tomcat.addContext("", base.toString());
      context.addServletContainerInitializer(initializer(app), null);
      Thrown logged = new Thrown();
      try {
        tomcat.start();
      } finally {
        logged.close();
      }
      Running running = new Running(path -> URI.create("http://127.0.0.1:" + connector.getLocalPort() + path), () -> {
        tomcat.stop();
        tomcat.destroy();
        delete(base);
      });
      if (!context.getState().isAvailable()) {
        running.close();
        throw new StartupFailed(logged.first());
      }
      return running;
    }
  };

  /** Starts a server with {@code app} at "/". @throws StartupFailed if the application did not start */
  abstract Running start(WebApp app) throws Exception;

  /** A web application set up as a {@link ServletContainerInitializer} would. */
  @FunctionalInterface
  interface WebApp {
    void setUp(ServletContext context) throws ServletException;
  }

  /** The application did not start; the cause is what stopped it. */
  static final class StartupFailed extends Exception {
    private static final long serialVersionUID = 1L;

    StartupFailed(Throwable cause) {
      super("the web application did not start: " + cause, cause);
    }
  }

  /** A started server. */
  static final class Running implements HttpCalls, AutoCloseable {
    private final Function<String, URI> address;
    private final Stop stop;

    Running(Function<String, URI> address, Stop stop) {
      this.address = address;
      this.stop = stop;
    }

    @Override
    public URI uri(String pathAndQuery) {
      return address.apply(pathAndQuery);
    }

    @Override
    public void close() {
      try {
        stop.stop();
      } catch (Exception e) {
        throw new IllegalStateException("stopping the test server failed", e);
      }
    }
  }

  @FunctionalInterface
  interface Stop {
    void stop() throws Exception;
  }

  private static ServletContainerInitializer initializer(WebApp app) {
    return (classes, context) -> app.setUp(context);
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * What Tomcat logs with an exception while starting (it logs a failing filter rather than throwing),
   * kept off the console.
   */
  private static final class Thrown extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger("org.apache.catalina");
    private final boolean toParent = logger.getUseParentHandlers();
    private final List<Throwable> thrown = new CopyOnWriteArrayList<>();

    Thrown() {
      logger.addHandler(this);
      logger.setUseParentHandlers(false);
    }

    Throwable first() {
      return thrown.isEmpty() ? new LifecycleException("no exception was logged") : thrown.get(0);
    }

    @Override
    public void publish(LogRecord record) {
      if (record.getThrown() != null && record.getLevel().intValue() >= Level.SEVERE.intValue()) {
        thrown.add(record.getThrown());
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      logger.removeHandler(this);
      logger.setUseParentHandlers(toParent);
    }
  }
}
