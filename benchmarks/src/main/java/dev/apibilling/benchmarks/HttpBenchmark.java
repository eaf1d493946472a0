package dev.apibilling.benchmarks;

import dev.apibilling.ApiBilling;
import dev.apibilling.servlet.ApiBillingFilter;
import dev.apibilling.servlet.ApiKeyRegistry;
import dev.apibilling.servlet.ClientResolver;
import dev.apibilling.servlet.HeaderStyle;
import dev.apibilling.servlet.RequestBilling;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;

/**
 * Requests per second of a hello endpoint on Jetty 12 (ee10 servlet, loopback, default thread pool), with
 * {@code ApiBillingFilter} in front (in-memory store, API key resolver, one quota that never runs out,
 * default header style and charge policy: each request is one reserve and one commit and gets the
 * {@code RateLimit}/{@code X-RateLimit} fields) and without it. Server and client run in the same JVM;
 * the client is the same in all: {@value #CLIENTS} threads, each on its own keep-alive HTTP/1.1 connection,
 * writing a pre-built {@code GET} with an {@code X-Api-Key} header and reading the response to its last
 * byte, failing on any status but 200. {@code withFilter} sends one client's key on every connection (its
 * decisions contend for that client); {@code withFilterOwnClients} one client per connection.
 * {@code passThroughFilter} is the same Jetty with a filter that only calls the chain: what any filter
 * costs, for reading the others. More diagnostics take the filter apart (not in the suite's table):
 * {@code wrappingFilter} passes an {@code HttpServletRequestWrapper} down the chain, as
 * {@code ApiBillingFilter} does for every billed request that can go asynchronous;
 * {@code headersFilter} sets the same five rate-limit fields and one request attribute, and nothing else
 * ({@code addedHeadersFilter} the same with {@code addHeader}, which appends where {@code setHeader} first
 * looks for a field of the same name; all registered with async support, so Jetty adds no wrapper of its own);
 * {@code withFilterIetfHeaders} and {@code withFilterNoHeaders} are {@code withFilter} with
 * {@code HeaderStyle.IETF} (two fields) and {@code HeaderStyle.NONE} (none), for what the fields cost;
 * {@code withFilterNotAsync} registers {@code ApiBillingFilter} without async support (the web.xml
 * default), so the request cannot go asynchronous and the filter passes it on unwrapped. The JVM's CPU
 * time per request (server and client together) is recorded for {@link Suite} too: on a shared machine it
 * is steadier than the throughput.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class HttpBenchmark {

  static final int CLIENTS = 4;
  private static final String KEY = "ak_bench_5f0c1d2e3b4a";
  private static final String CLIENT = "acme";

  /** The hello endpoint. */
  public static final class Hello extends HttpServlet {
    private static final byte[] BODY = "hello".getBytes(StandardCharsets.US_ASCII);

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setContentType("text/plain");
      resp.setContentLength(BODY.length);
      resp.getOutputStream().write(BODY);
    }
  }

  /** The server, with the filter for the benchmark named {@code withFilter}. */
  @State(Scope.Benchmark)
  public static class Jetty {
    Server server;
    ApiBilling billing;
    int port;
    String benchmark;
    final OpCounter requests = new OpCounter();

    @Setup(Level.Trial)
    public void start(BenchmarkParams params) throws Exception {
      start(params.getBenchmark());
    }

    /** Starts the server of the benchmark whose full name is {@code benchmark} (also for {@link FilterOverhead}). */
    void start(String benchmark) throws Exception {
      this.benchmark = benchmark;
      server = new Server();
      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      connector.setPort(0);
      server.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler();
      context.setContextPath("/");
      context.addServlet(Hello.class, "/api/hello");
      if (benchmark.endsWith("wrappingFilter")) {
        addAsync(context, (request, response, chain) -> chain.doFilter(
            new HttpServletRequestWrapper((HttpServletRequest) request), response));
      }
      if (benchmark.endsWith("headersFilter")) {
        addAsync(context, fieldsFilter(false));
      }
      if (benchmark.endsWith("addedHeadersFilter")) {
        addAsync(context, fieldsFilter(true));
      }
      if (benchmark.endsWith("passThroughFilter")) {
        addAsync(context, (request, response, chain) -> chain.doFilter(request, response));
      }
      if (benchmark.contains("withFilter")) {
        billing = ApiBilling.builder().build();
        Map<String, String> keys = new HashMap<>();
        for (int i = 0; i < CLIENTS; i++) {
          billing.updateClientQuotas(CLIENT + i, Limits.oneQuota());
          keys.put(KEY + i, CLIENT + i);
        }
        HeaderStyle style = benchmark.endsWith("IetfHeaders") ? HeaderStyle.IETF
            : benchmark.endsWith("NoHeaders") ? HeaderStyle.NONE : HeaderStyle.BOTH;
        RequestBilling flow = RequestBilling.builder(billing)
            .clientResolver(ClientResolver.apiKey(ApiKeyRegistry.of(keys)))
            .headerStyle(style)
            .build();
        FilterHolder filter = new FilterHolder(new ApiBillingFilter(flow));
        filter.setAsyncSupported(!benchmark.endsWith("NotAsync"));
        context.addFilter(filter, "/api/*", EnumSet.of(DispatcherType.REQUEST));
      }
      server.setHandler(context);
      server.start();
      port = connector.getLocalPort();
    }

    /** Registers {@code filter} on the endpoint with async support, as the filter under test is. */
    private static void addAsync(ServletContextHandler context, Filter filter) {
      FilterHolder holder = new FilterHolder(filter);
      holder.setAsyncSupported(true);
      context.addFilter(holder, "/api/*", EnumSet.of(DispatcherType.REQUEST));
    }

    /** The five rate-limit fields and the request attribute, nothing else; appended or set. */
    private static Filter fieldsFilter(boolean append) {
      return (request, response, chain) -> {
        HttpServletResponse r = (HttpServletResponse) response;
        field(r, append, "RateLimit-Policy", "\"minute\";q=9007199254740991;w=60");
        field(r, append, "RateLimit", "\"minute\";r=9007199254740990;t=37");
        field(r, append, "X-RateLimit-Limit", "9007199254740991");
        field(r, append, "X-RateLimit-Remaining", "9007199254740990");
        field(r, append, "X-RateLimit-Reset", "1795323660");
        request.setAttribute("dev.apibilling.servlet.BilledRequest", r);
        chain.doFilter(request, response);
      };
    }

    private static void field(HttpServletResponse r, boolean append, String name, String value) {
      if (append) {
        r.addHeader(name, value);
      } else {
        r.setHeader(name, value);
      }
    }

    @Setup(Level.Iteration)
    public void beginIteration(IterationParams iteration) {
      requests.beginIteration(iteration);
    }

    @TearDown(Level.Iteration)
    public void endIteration(IterationParams iteration) {
      requests.endIteration(iteration);
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
      Map<String, String> values = new LinkedHashMap<>();
      requests.putInto(values);
      Extras.record(benchmark, values);
      server.stop();
      if (billing != null) {
        billing.close();
      }
    }
  }

  /** One keep-alive connection per client thread. */
  @State(Scope.Thread)
  public static class Client {
    private static final AtomicInteger CONNECTIONS = new AtomicInteger();
    private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);
    byte[] request;
    Socket socket;
    OutputStream out;
    InputStream in;
    final byte[] buffer = new byte[16384];
    int start;
    int end;
    int shift;

    @Setup(Level.Trial)
    public void connect(Jetty jetty, BenchmarkParams params) throws IOException {
      // one API key (client) for every connection, or one per connection for "...OwnClients"
      connect(jetty, params.getBenchmark().endsWith("OwnClients") ? CONNECTIONS.getAndIncrement() % CLIENTS : 0);
    }

    /** Opens a connection sending the API key of client number {@code client}. */
    void connect(Jetty jetty, int client) throws IOException {
      request = ("GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: " + KEY + client
          + "\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", jetty.port));
      out = socket.getOutputStream();
      in = socket.getInputStream();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      socket.close();
    }

    /** Sends the request and reads the response; returns the body length. */
    int get(Jetty jetty) throws IOException {
      out.write(request);
      out.flush();
      int headerEnd;
      while ((headerEnd = indexOfBlankLine()) < 0) {
        fill();
      }
      int status = digit(start + 9) * 100 + digit(start + 10) * 10 + digit(start + 11);
      int contentLength = contentLength(headerEnd);
      if (status != 200 || contentLength < 0) {
        throw new IOException("expected 200 with a Content-Length but got " + status);
      }
      int bodyEnd = headerEnd + contentLength;
      while (end < bodyEnd) {
        fill();
        headerEnd -= shift; // fill() may have moved the response to the buffer's start
        bodyEnd = headerEnd + contentLength;
      }
      start = bodyEnd;
      jetty.requests.increment();
      return contentLength;
    }

    /** The index after the first empty line at or after {@code start}, or -1. */
    private int indexOfBlankLine() {
      for (int i = start; i + 3 < end; i++) {
        if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n') {
          return i + 4;
        }
      }
      return -1;
    }

    /** Moves unread bytes to the buffer's start (by {@code shift}) and reads more. */
    private void fill() throws IOException {
      if (start > 0) {
        System.arraycopy(buffer, start, buffer, 0, end - start);
        end -= start;
        shift = start;
        start = 0;
      } else {
        shift = 0;
      }
      if (end == buffer.length) {
        throw new IOException("response larger than " + buffer.length + " bytes");
      }
      int n = in.read(buffer, end, buffer.length - end);
      if (n < 0) {
        throw new IOException("connection closed by the server");
      }
      end += n;
    }

    private int digit(int i) {
      return buffer[i] - '0';
    }

    private int contentLength(int headerEnd) {
      byte[] name = CONTENT_LENGTH;
      for (int i = start; i + name.length < headerEnd; i++) {
        if (buffer[i] != '\n') {
          continue;
        }
        int j = 0;
        while (j < name.length && (buffer[i + 1 + j] | 0x20) == name[j]) {
          j++;
        }
        if (j == name.length) {
          int k = i + 1 + j;
          while (buffer[k] == ' ') {
            k++;
          }
          int value = 0;
          while (buffer[k] >= '0' && buffer[k] <= '9') {
            value = value * 10 + buffer[k++] - '0';
          }
          return value;
        }
      }
      return -1;
    }
  }

  @Benchmark
  @Threads(CLIENTS)
  public int bare(Jetty jetty, Client client) throws IOException {
    return client.get(jetty);
  }

  @Benchmark
  @Threads(CLIENTS)
  public int wrappingFilter(Jetty jetty, Client client) throws IOException {
    return client.get(jetty);
  }

  @Benchmark
  @Threads(CLIENTS)
  public int headersFilter(Jetty jetty, Client client) throws IOException {
    return client.get(jetty);
  }

  @Benchmark
  @Threads(CLIENTS)
  public int addedHeadersFilter(Jetty jetty, Client client) throws IOException {
    return client.get(jetty);
  }

  @Benchmark
  @Threads(CLIENTS)
  public int passThroughFilter(Jetty jetty, Client client) throws IOException {
    return client.get(jetty);
  }

  @Benchmark
  @Threads(CLIENTS)
  public int withFilter(Jetty jetty, Client client) throws IOException {
    return client.get(jetty);
  }

  @Benchmark
  @Threads(CLIENTS)
  public int withFilterNotAsync(Jetty jetty, Client client) throws IOException {
    return client.get(jetty);
  }

  @Benchmark
  @Threads(CLIENTS)
  public int withFilterOwnClients(Jetty jetty, Client client) throws IOException {
    return client.get(jetty);
  }

  /** Diagnostic: {@code withFilter} with {@code HeaderStyle.IETF} (two fields instead of five). */
  @Benchmark
  @Threads(CLIENTS)
  public int withFilterIetfHeaders(Jetty jetty, Client client) throws IOException {
    return client.get(jetty);
  }

  /** Diagnostic: {@code withFilter} with {@code HeaderStyle.NONE}: billing without rate-limit fields. */
  @Benchmark
  @Threads(CLIENTS)
  public int withFilterNoHeaders(Jetty jetty, Client client) throws IOException {
    return client.get(jetty);
  }
}
