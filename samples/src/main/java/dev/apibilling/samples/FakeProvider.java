package dev.apibilling.samples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fake upstream provider (think of an LLM API) on a loopback port: {@code POST /v1/complete} answers
 * 200 with the tokens the call used in header {@value #TOKENS_HEADER} (100 plus the prompt's length), and,
 * from the {@code okCalls + 1}-th call on, 429 with {@code Retry-After} for {@code cooldown} (by its
 * clock), after which it answers 200 again and counts anew.
 */
final class FakeProvider implements AutoCloseable {

  /** The response header carrying the tokens a call used. */
  static final String TOKENS_HEADER = "X-Tokens-Used";

  private final HttpServer server;
  private final Clock clock;
  private final int okCalls;
  private final Duration cooldown;
  private final AtomicInteger served = new AtomicInteger();
  private final AtomicInteger hits = new AtomicInteger();
  private final AtomicLong coolUntil = new AtomicLong();

  private FakeProvider(Clock clock, int okCalls, Duration cooldown) throws IOException {
    this.clock = clock;
    this.okCalls = okCalls;
    this.cooldown = cooldown;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/complete", this::handle);
    server.start();
  }

  /** A provider that answers 429 after {@code okCalls} calls (0: never), for {@code cooldown}. */
  static FakeProvider start(Clock clock, int okCalls, Duration cooldown) throws IOException {
    return new FakeProvider(clock, okCalls, cooldown);
  }

  /** The completion endpoint. */
  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/complete");
  }

  /** How many calls reached it, 429s included. */
  int hits() {
    return hits.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      hits.incrementAndGet();
      byte[] prompt;
      try (InputStream in = exchange.getRequestBody()) {
        prompt = in.readAllBytes();
      }
      long now = clock.millis();
      if (okCalls > 0 && now >= coolUntil.get() && served.get() >= okCalls) {
        coolUntil.set(now + cooldown.toMillis());
        served.set(0);
      }
      if (now < coolUntil.get()) {
        long seconds = Math.max(1, (coolUntil.get() - now + 999) / 1000);
        exchange.getResponseHeaders().set("Retry-After", String.valueOf(seconds));
        reply(exchange, 429, "{\"error\":\"rate limited\"}");
        return;
      }
      served.incrementAndGet();
      exchange.getResponseHeaders().set(TOKENS_HEADER, String.valueOf(100 + prompt.length));
      reply(exchange, 200, "{\"completion\":\"ok\"}");
    }
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
