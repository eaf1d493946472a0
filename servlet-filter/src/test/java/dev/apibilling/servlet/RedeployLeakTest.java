package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apibilling.ApiBilling;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;

/**
 * Redeploying leaves nothing behind: the filter, Jackson and the core are loaded by a web application
 * class loader of their own, as in a WAR, deployed into a running Jetty and undeployed several times, and
 * then every such class loader is collected although the container's request threads live on.
 */
final class RedeployLeakTest {

  static final int DEPLOYMENTS = 3;

  @Test
  void undeployedWebAppClassLoadersAreCollected() throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(8, 8); // a fixed set of request threads that outlives the apps
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ContextHandlerCollection contexts = new ContextHandlerCollection();
    server.setHandler(contexts);
    server.start();
    try {
      List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
      for (int i = 0; i < DEPLOYMENTS; i++) {
        loaders.add(deployServeAndUndeploy(contexts, connector.getLocalPort()));
      }
      assertThat(collected(loaders)).as("web app class loaders collected after undeploy").isTrue();
    } finally {
      server.stop();
    }
  }

  private static WeakReference<ClassLoader> deployServeAndUndeploy(ContextHandlerCollection contexts, int port)
      throws Exception {
    ClassLoader webapp = new WebAppLoader();
    @SuppressWarnings("unchecked")
    Class<? extends Filter> filterClass =
        (Class<? extends Filter>) webapp.loadClass(ApiBillingFilter.class.getName());
    assertThat(filterClass.getClassLoader()).isSameAs(webapp);
    assertThat(webapp.loadClass(ObjectMapper.class.getName()).getClassLoader()).isSameAs(webapp);

    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/app");
    context.setClassLoader(webapp);
    context.addServlet(new ServletHolder(new HttpServlet() {
      @Override
      protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.getWriter().print("ok");
      }
    }), "/api/*");
    FilterHolder filter = new FilterHolder(filterClass);
    filter.setInitParameters(Map.of("plans", "free = day:1000", "default-plan", "free",
        "api-keys", "redeploy-key = acme"));
    context.addFilter(filter, "/api/*", EnumSet.of(DispatcherType.REQUEST));
    contexts.addHandler(context);
    context.start();

    for (int i = 0; i < 20; i++) { // problem bodies and status JSON on every request thread
      assertThat(get(port, "/app/api/items", null)).startsWith("HTTP/1.1 401");
      assertThat(get(port, "/app/api/items", "redeploy-key")).startsWith("HTTP/1.1 200");
    }

    context.stop();
    contexts.removeHandler(context);
    context.destroy();
    return new WeakReference<>(webapp);
  }

  /** Asks for collection a bounded number of times; true once every loader is gone. */
  private static boolean collected(List<WeakReference<ClassLoader>> loaders) {
    for (int attempt = 0; attempt < 50; attempt++) {
      if (loaders.stream().allMatch(r -> r.get() == null)) {
        return true;
      }
      System.gc();
      System.runFinalization();
      byte[][] pressure = new byte[16][];
      for (int i = 0; i < pressure.length; i++) {
        pressure[i] = new byte[1 << 16]; // a little allocation helps a concurrent collector finish a cycle
      }
    }
    return loaders.stream().allMatch(r -> r.get() == null);
  }

  /** One request on its own connection (closed after), so no connection of the client holds the app. */
  private static String get(int port, String path, String key) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
          + (key == null ? "" : "X-Api-Key: " + key + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * A WAR's class loader: the filter, the core, Jackson and Caffeine from its own copies (child first),
   * the Servlet API and the JDK from the container.
   */
  static final class WebAppLoader extends URLClassLoader {

    WebAppLoader() {
      super("webapp", urls(), RedeployLeakTest.class.getClassLoader());
    }

    private static URL[] urls() {
      List<Class<?>> from = List.of(ApiBillingFilter.class, ApiBilling.class, ObjectMapper.class,
          JsonFactory.class, JsonProperty.class, Caffeine.class);
      return from.stream().map(c -> c.getProtectionDomain().getCodeSource().getLocation()).distinct()
          .toArray(URL[]::new);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.startsWith("java.") || name.startsWith("jakarta.") || name.endsWith("Test")
          || name.contains("Test$")) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          try {
            c = findClass(name);
          } catch (ClassNotFoundException notInTheWar) {
            return super.loadClass(name, resolve);
          }
        }
        if (resolve) {
          resolveClass(c);
        }
        return c;
      }
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      // the WAR's own service registrations only: the test class path registers test stores
      return name.startsWith("META-INF/services/") ? findResources(name) : super.getResources(name);
    }

    @Override
    public URL getResource(String name) {
      URL own = findResource(name);
      return own != null ? own : super.getResource(name);
    }

    static {
      ClassLoader.registerAsParallelCapable();
    }
  }
}
