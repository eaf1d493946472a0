package dev.apibilling.samples;

import static dev.apibilling.samples.DemoHttp.get;
import static dev.apibilling.samples.DemoHttp.header;
import static dev.apibilling.samples.DemoHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Scale-out: two demo processes started with the same {@code --store} share one budget. A subclass names
 * a shared store that starts empty for the run (the demo's client ids are fixed, so usage left by earlier
 * runs must not be visible), and removes what the run wrote.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SharedBudgetContract {

  private static final int CALLS_PER_DEMO = 15;

  private DemoProcess first;
  private DemoProcess second;
  private boolean storeReady;

  /** Makes sure the server is there (skip or fail per TestServers) and returns a store URL fresh for this run. */
  abstract String freshStoreUrl() throws Exception;

  /** Deletes what this run stored; called after both demos stopped, only if {@link #freshStoreUrl} returned. */
  abstract void deleteRunData() throws Exception;

  /** The store URL as the demo's log line shows it. */
  abstract String loggedStore();

  @BeforeAll
  void startTwoDemosOnOneStore() throws Exception {
    DemoProcess.jar();
    String store = freshStoreUrl();
    storeReady = true;
    CompletableFuture<DemoProcess> a = starting(store);
    CompletableFuture<DemoProcess> b = starting(store);
    first = started(a);
    second = started(b);
  }

  @AfterAll
  void stopAndDeleteRunData() throws Exception {
    try {
      for (DemoProcess demo : new DemoProcess[] {first, second}) {
        if (demo != null) {
          demo.close();
        }
      }
    } finally {
      if (storeReady) {
        deleteRunData();
      }
    }
  }

  @Test
  void bothDemosLogTheSharedStore() {
    assertThat(first.output()).contains("(store " + loggedStore() + ")");
    assertThat(second.output()).contains("(store " + loggedStore() + ")");
  }

  @Test
  void concurrentCallsThroughTwoDemosAreGrantedExactlyTheSharedLimit() throws Exception {
    assertThat(monthUsed(first, "demo-key")).as("the run's store starts with no usage").isZero();
    List<HttpResponse<String>> responses = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < CALLS_PER_DEMO; i++) {
        calls.add(pool.submit(() -> get(first.uri("api/hello"), "demo-key")));
        calls.add(pool.submit(() -> get(second.uri("api/hello"), "demo-key")));
      }
      for (Future<HttpResponse<String>> call : calls) {
        responses.add(call.get());
      }
    } finally {
      pool.shutdown();
    }

    assertThat(responses).extracting(HttpResponse::statusCode).allMatch(s -> s == 200 || s == 429);
    // Group the answers by the minute window they were decided in (X-RateLimit-Reset names it exactly):
    // no window grants more than 10, and a window that denied a call granted exactly 10. With 30 calls in
    // at most two windows, at least one window is spent.
    Map<String, List<Integer>> byWindow = responses.stream().collect(Collectors.groupingBy(
        r -> header(r, "X-RateLimit-Reset"), Collectors.mapping(HttpResponse::statusCode, Collectors.toList())));
    boolean spentWindow = false;
    for (Map.Entry<String, List<Integer>> window : byWindow.entrySet()) {
      long granted = window.getValue().stream().filter(s -> s == 200).count();
      assertThat(granted).as("granted in the window ending %s", window.getKey()).isLessThanOrEqualTo(10);
      if (window.getValue().contains(429)) {
        assertThat(granted).as("granted in the window ending %s, which denied calls", window.getKey())
            .isEqualTo(10);
        spentWindow = true;
      }
    }
    assertThat(spentWindow).isTrue();

    long granted = responses.stream().filter(r -> r.statusCode() == 200).count();
    assertThat(monthUsed(first, "demo-key")).as("month usage seen by the first demo").isEqualTo(granted);
    assertThat(monthUsed(second, "demo-key")).as("month usage seen by the second demo").isEqualTo(granted);
  }

  @Test
  void creditsChargedThroughOneDemoShowInTheOthersUsage() {
    long before = monthUsed(first, "pro-key");

    assertThat(get(second.uri("api/report"), "pro-key").statusCode()).isEqualTo(200);

    assertThat(monthUsed(first, "pro-key")).isEqualTo(before + 5);
  }

  private static long monthUsed(DemoProcess demo, String key) {
    HttpResponse<String> r = get(demo.uri("billing/usage"), key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    for (JsonNode q : json(r).path("quotas")) {
      if (q.path("policy").asText().equals("month")) {
        return q.path("used").asLong();
      }
    }
    throw new AssertionError("no month quota in " + r.body());
  }

  private static DemoProcess started(CompletableFuture<DemoProcess> starting) throws Exception {
    try {
      return starting.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw (Exception) e.getCause();
    }
  }

  private static CompletableFuture<DemoProcess> starting(String store) {
    CompletableFuture<DemoProcess> started = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        started.complete(DemoProcess.start("--store", store));
      } catch (Throwable e) {
        started.completeExceptionally(e);
      }
    }, "demo-start");
    t.setDaemon(true);
    t.start();
    return started;
  }
}
