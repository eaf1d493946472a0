package dev.apibilling.servlet;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem detail that billing answers with, and the response header fields that go with it
 * ({@code Retry-After}, {@code WWW-Authenticate}). Made by {@link BillingProblems}; immutable.
 *
 * @param type the problem type URI, e.g. {@code https://apibilling.dev/problems/quota-exceeded}
 * @param title a short summary of the type
 * @param status the HTTP status
 * @param detail an explanation of this occurrence, never containing a key or a stack trace
 * @param properties extension members, in the order they are written (values are JSON-ready: strings,
 *     numbers, booleans)
 * @param headers response header fields to set with the body
 */
public record BillingProblem(
    URI type, String title, int status, String detail, Map<String, Object> properties,
    Map<String, String> headers) {

  /** {@value} */
  public static final String CONTENT_TYPE = "application/problem+json";

  /**
   * The module's one mapper. Its buffer pool is a plain queue, not Jackson's default thread-local, so a
   * container's request threads keep nothing of a web application after it is undeployed.
   */
  static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
      .recyclerPool(JsonRecyclerPools.newConcurrentDequePool())
      .build());

  public BillingProblem {
    properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }

  /** The body as a JSON object: {@code type, title, status, detail}, then the extension members. */
  public Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>(8 + properties.size());
    body.put("type", type.toString());
    body.put("title", title);
    body.put("status", status);
    body.put("detail", detail);
    body.putAll(properties);
    return body;
  }

  /** The body serialized as UTF-8 JSON. */
  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(body());
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Answers with this problem: sets the status, the header fields, {@code Content-Type:
   * application/problem+json}, {@code Cache-Control: no-store}, and writes the body. Fields set earlier
   * (rate-limit fields) are kept.
   *
   * @throws IllegalStateException if the response is already committed
   */
  public void write(HttpServletResponse response) throws IOException {
    if (response.isCommitted()) {
      throw new IllegalStateException("cannot answer " + status + " " + title
          + ": the response is already committed");
    }
    byte[] json = toJson();
    response.resetBuffer();
    response.setStatus(status);
    for (Map.Entry<String, String> h : headers.entrySet()) {
      response.setHeader(h.getKey(), h.getValue());
    }
    response.setHeader("Cache-Control", "no-store");
    response.setContentType(CONTENT_TYPE);
    response.setContentLength(json.length);
    ServletOutputStream out = response.getOutputStream();
    out.write(json);
    out.flush();
  }
}
