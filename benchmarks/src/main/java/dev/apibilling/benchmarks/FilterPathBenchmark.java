package dev.apibilling.benchmarks;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.servlet.ApiKeyRegistry;
import dev.apibilling.servlet.ClientResolution;
import dev.apibilling.servlet.ClientResolver;
import dev.apibilling.servlet.HeaderStyle;
import dev.apibilling.servlet.RateLimitHeaders;
import dev.apibilling.servlet.RequestBilling;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The filter's own work per request, without a server (not part of the suite's table; run it with
 * {@code java -jar benchmarks.jar jmh FilterPath -prof gc}): {@code RequestBilling.admit} and
 * {@code complete} as {@code ApiBillingFilter} calls them, on a request and response that are plain
 * {@link Proxy} objects over maps, and the steps one by one: resolving the API key, one reserve and commit,
 * and writing the rate-limit header fields. Same settings as {@link HttpBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
public class FilterPathBenchmark {

  private static final String KEY = "ak_bench_5f0c1d2e3b4a";
  private static final String CLIENT = "acme";

  private ApiBilling billing;
  private RequestBilling flow;
  private ClientResolver resolver;
  private final Map<String, Object> attributes = new HashMap<>();
  private final Map<String, String> headersOut = new HashMap<>();
  private HttpServletRequest request;
  private HttpServletResponse response;
  private BillingDecision decision;

  @Setup
  public void setUp() {
    billing = ApiBilling.builder().build();
    billing.updateClientQuotas(CLIENT, Limits.oneQuota());
    resolver = ClientResolver.apiKey(ApiKeyRegistry.of(Map.of(KEY, CLIENT)));
    flow = RequestBilling.builder(billing).clientResolver(resolver).build();
    Map<String, String> headersIn = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headersIn.put("X-Api-Key", KEY);
    headersIn.put("Host", "127.0.0.1");
    request = (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getMethod" -> "GET";
          case "getRequestURI", "getServletPath" -> "/api/hello";
          case "getContextPath" -> "";
          case "getHeader" -> headersIn.get((String) args[0]);
          case "getHeaders" -> {
            String v = headersIn.get((String) args[0]);
            yield Collections.enumeration(v == null ? List.of() : List.of(v));
          }
          case "getAttribute" -> attributes.get((String) args[0]);
          case "setAttribute" -> attributes.put((String) args[0], args[1]);
          case "removeAttribute" -> attributes.remove((String) args[0]);
          case "getDispatcherType" -> DispatcherType.REQUEST;
          case "isAsyncStarted" -> false;
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          default -> null;
        });
    response = (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> switch (method.getName()) {
          case "setHeader", "addHeader" -> headersOut.put((String) args[0], (String) args[1]);
          case "getStatus" -> 200;
          case "isCommitted" -> false;
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          default -> null;
        });
    decision = billing.tryTrackClientUsage(CLIENT, 1);
  }

  @TearDown
  public void tearDown() {
    billing.close();
  }

  /** What the filter does around the handler: admit, then complete. */
  @Benchmark
  public boolean admitAndComplete() throws IOException {
    attributes.clear();
    boolean admitted = flow.admit(request, response);
    flow.complete(request, response, null);
    return admitted;
  }

  /** Finding the client of the request: the API key's SHA-256 and the registry lookup. */
  @Benchmark
  public ClientResolution resolveApiKey() {
    return resolver.resolve(request);
  }

  /** One key registry for every thread, as a filter's request threads share theirs. */
  @State(Scope.Benchmark)
  public static class SharedResolver {
    final ClientResolver resolver = ClientResolver.apiKey(ApiKeyRegistry.of(Map.of(KEY, CLIENT)));
  }

  /** {@link #resolveApiKey} from two threads at once, on one registry. */
  @Benchmark
  @Threads(2)
  public ClientResolution resolveApiKeyTwoThreads(SharedResolver shared) {
    return shared.resolver.resolve(request);
  }

  /** One reserve and its commit on the in-memory store. */
  @Benchmark
  public boolean reserveAndCommit() {
    BillingDecision d = billing.reserve(Charge.of(CLIENT, 1));
    return billing.commit(d.reservation().orElseThrow(), 1);
  }

  /** Writing the IETF and legacy rate-limit fields of a decision. */
  @Benchmark
  public Map<String, String> rateLimitHeaders() {
    RateLimitHeaders.write(response, decision, HeaderStyle.BOTH);
    return headersOut;
  }
}
