package dev.apibilling.events;

import dev.apibilling.Requirements;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Posts each batch as a JSON array of CloudEvents with {@code Content-Type:
 * application/cloudevents-batch+json} (CloudEvents HTTP binding, batched mode), the format OpenMeter's
 * ingest endpoint accepts. A 2xx answer delivers the batch; 408, 429, 5xx and I/O failures are retried;
 * other answers reject it ({@link EventRejectedException}). On {@link java.net.http.HttpClient}.
 */
public final class HttpEventSink implements EventSink {

  /** The media type of a batch of structured CloudEvents. */
  public static final String BATCH_CONTENT_TYPE = "application/cloudevents-batch+json";

  private final URI endpoint;
  private final HttpClient client;
  private final Duration timeout;
  private final List<String> headers;

  private HttpEventSink(Builder b) {
    this.endpoint = b.endpoint;
    this.timeout = b.timeout;
    this.headers = List.copyOf(b.headers);
    this.client = HttpClient.newBuilder().connectTimeout(b.timeout).build();
  }

  /**
   * A builder of a sink posting to {@code endpoint}.
   *
   * @throws IllegalArgumentException if it is not an absolute {@code http} or {@code https} URI
   */
  public static Builder builder(URI endpoint) {
    String scheme = endpoint.getScheme();
    if (!endpoint.isAbsolute() || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
      throw new IllegalArgumentException("event endpoint must be an absolute http or https URI but was '"
          + endpoint + "'");
    }
    return new Builder(endpoint);
  }

  @Override
  public void deliver(List<String> events) throws IOException, EventRejectedException, InterruptedException {
    StringBuilder body = new StringBuilder(events.size() * 400 + 2).append('[');
    for (int i = 0; i < events.size(); i++) {
      if (i > 0) {
        body.append(',');
      }
      body.append(events.get(i));
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
        .timeout(timeout)
        .header("Content-Type", BATCH_CONTENT_TYPE)
        .POST(HttpRequest.BodyPublishers.ofString(body.append(']').toString(), StandardCharsets.UTF_8));
    for (int i = 0; i < headers.size(); i += 2) {
      request.header(headers.get(i), headers.get(i + 1));
    }
    HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return;
    }
    String detail = "event receiver " + endpoint + " answered " + status + ": " + shorten(response.body());
    if (status == 408 || status == 429 || status >= 500) {
      throw new IOException(detail);
    }
    throw new EventRejectedException(detail);
  }

  @Override
  public String toString() {
    return "HttpEventSink[" + endpoint + "]";
  }

  private static String shorten(String body) {
    String oneLine = body.replaceAll("\\s+", " ");
    return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
  }

  /** Settings of an {@link HttpEventSink}. Not thread safe. */
  public static final class Builder {
    private final URI endpoint;
    private Duration timeout = Duration.ofSeconds(10);
    private final List<String> headers = new ArrayList<>();

    private Builder(URI endpoint) {
      this.endpoint = endpoint;
    }

    /** How long to wait to connect, and for an answer (default 10 seconds). */
    public Builder timeout(Duration timeout) {
      this.timeout = Requirements.positive("timeout", timeout);
      return this;
    }

    /** Adds a header to every request, e.g. {@code Authorization: Bearer <token>}. */
    public Builder header(String name, String value) {
      headers.add(Objects.requireNonNull(name, "name"));
      headers.add(Objects.requireNonNull(value, "value"));
      return this;
    }

    public HttpEventSink build() {
      return new HttpEventSink(this);
    }
  }
}
