package dev.apibilling.samples;

import dev.apibilling.ProviderBudgets;
import dev.apibilling.ProviderCall;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Sends a prompt to the first usable upstream provider: reserves the most tokens a call may use with
 * {@link ProviderBudgets}, calls the provider, commits the tokens it reports, and on a 429 marks it
 * exhausted for its {@code Retry-After} and tries the next one. Thread safe.
 */
final class ProviderRouter {

  /** How long a provider answering 429 without a readable {@code Retry-After} is skipped. */
  static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(60);

  /** What one prompt got: the provider that answered (null if none could) and the tokens charged. */
  record Answer(@Nullable String provider, long tokens, int status) {}

  private final ProviderBudgets budgets;
  private final Map<String, URI> endpoints;
  private final Clock clock;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  ProviderRouter(ProviderBudgets budgets, Map<String, URI> endpoints, Clock clock) {
    this.budgets = budgets;
    this.endpoints = Map.copyOf(endpoints);
    this.clock = clock;
  }

  /** Sends {@code prompt}, reserving {@code maxTokens} at the provider chosen. */
  Answer send(String prompt, long maxTokens) throws IOException, InterruptedException {
    for (int attempt = 0; attempt <= endpoints.size(); attempt++) {
      Optional<ProviderCall> reserved = budgets.reserve(maxTokens);
      if (reserved.isEmpty()) {
        return new Answer(null, 0, 429);
      }
      ProviderCall call = reserved.get();
      HttpResponse<String> r;
      try {
        r = http.send(HttpRequest.newBuilder(endpoints.get(call.provider()))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(prompt))
                .build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (IOException | RuntimeException e) {
        budgets.release(call);
        throw e;
      }
      if (r.statusCode() == 429) {
        budgets.exhausted(call, retryAfter(r.headers().firstValue("Retry-After").orElse(null), clock.instant()));
        continue;
      }
      if (r.statusCode() / 100 != 2) {
        budgets.release(call);
        return new Answer(call.provider(), 0, r.statusCode());
      }
      long tokens = Math.min(maxTokens,
          Long.parseLong(r.headers().firstValue(FakeProvider.TOKENS_HEADER).orElse("0")));
      budgets.commit(call, tokens);
      return new Answer(call.provider(), tokens, r.statusCode());
    }
    return new Answer(null, 0, 429);
  }

  /**
   * A {@code Retry-After} value (delta-seconds or an HTTP date) as a duration from {@code now}; never
   * negative; {@link #DEFAULT_RETRY_AFTER} when missing or unreadable.
   */
  static Duration retryAfter(@Nullable String value, Instant now) {
    if (value == null || value.isBlank()) {
      return DEFAULT_RETRY_AFTER;
    }
    String v = value.trim();
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
    } catch (NumberFormatException notSeconds) {
      try {
        Duration d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException notADate) {
        return DEFAULT_RETRY_AFTER;
      }
    }
  }
}
