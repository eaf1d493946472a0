package dev.apibilling.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.net.URI;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** A Jetty 12 server on a random loopback port, and a real HTTP client to call it. */
final class TestServer implements HttpCalls, AutoCloseable {

  final Server server;
  final ServletContextHandler context;

  private TestServer(Server server, ServletContextHandler context) {
    this.server = server;
    this.context = context;
  }

  /** A context at "/" with the EchoServlet at /api/* and the status servlet at /billing/status. */
  static ServletContextHandler echoContext() {
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    ServletHolder echo = new ServletHolder(new EchoServlet());
    echo.setAsyncSupported(true);
    context.addServlet(echo, "/api/*");
    context.addServlet(new ServletHolder(new EchoServlet()), "/free/*");
    return context;
  }

  static FilterHolder billingFilter(ServletContextHandler context, Filter filter) {
    FilterHolder holder = new FilterHolder(filter);
    holder.setAsyncSupported(true);
    context.addFilter(holder, "/api/*", EnumSet.of(DispatcherType.REQUEST));
    return holder;
  }

  static FilterHolder billingFilter(ServletContextHandler context, Map<String, String> initParams) {
    FilterHolder holder = new FilterHolder(ApiBillingFilter.class);
    holder.setAsyncSupported(true);
    holder.setInitParameters(initParams);
    context.addFilter(holder, "/api/*", EnumSet.of(DispatcherType.REQUEST));
    return holder;
  }

  static void statusServlet(ServletContextHandler context) {
    ServletHolder status = new ServletHolder(ApiBillingStatusServlet.class);
    status.setInitOrder(1);
    context.addServlet(status, "/billing/status");
  }

  static TestServer start(ServletContextHandler context) throws Exception {
    return start((Handler) context, context);
  }

  static TestServer start(Handler handler, ServletContextHandler context) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(handler);
    try {
      server.start();
    } catch (Exception e) {
      server.stop();
      throw e;
    }
    return new TestServer(server, context);
  }

  @Override
  public URI uri(String pathAndQuery) {
    int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("stopping the test server failed", e);
    }
  }
}
