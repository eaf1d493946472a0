package dev.apibilling.servlet;

import dev.apibilling.ApiBilling;
import dev.apibilling.ClientStatus;
import dev.apibilling.DailyUsage;
import dev.apibilling.QuotaForecast;
import dev.apibilling.QuotaState;
import dev.apibilling.Requirements;
import dev.apibilling.StoreFaults;
import dev.apibilling.UnknownClientException;
import dev.apibilling.UsageEvent;
import dev.apibilling.UsageEventPage;
import dev.apibilling.spi.UsageStoreException;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Lets a client read its own quotas and usage: {@code GET} answers the caller's quotas and daily history
 * as JSON. It uses the {@link RequestBilling} an {@link ApiBillingFilter} published (servlet-context
 * attribute {@value RequestBilling#CONTEXT_ATTRIBUTE}, or the name in this servlet's init-param
 * {@code context-attribute}), so the filter must be declared in the same application.
 *
 * <pre>{@code
 * <servlet>
 *   <servlet-name>billing-status</servlet-name>
 *   <servlet-class>dev.apibilling.servlet.ApiBillingStatusServlet</servlet-class>
 * </servlet>
 * <servlet-mapping><servlet-name>billing-status</servlet-name><url-pattern>/billing/status</url-pattern></servlet-mapping>
 * }</pre>
 *
 * <p>The caller is the client of the request if the filter billed it, otherwise whoever the filter's
 * {@link ClientResolver} names (401/403 problems as for billed requests). Map it outside the filter, or
 * give it a cost rule of 0, unless reading the status should cost credits. Query parameter {@code days}
 * (default {@value #DEFAULT_DAYS}, 1 to {@value Requirements#MAX_HISTORY_DAYS}) sets how many days of
 * history, ending today in the billing's history zone, are returned. Response:
 *
 * <pre>{@code
 * {"client": "acme", "at": "2026-03-10T23:00:00Z",
 *  "quotas": [{"policy": "day", "duration": "day", "limit": 500, "used": 3, "remaining": 497,
 *              "windowStart": "2026-03-10T00:00:00Z", "reset": "2026-03-11T00:00:00Z",
 *              "forecast": {"creditsPerHour": 0.131, "projectedUsed": 3, "exhaustsAt": null,
 *                           "horizonSeconds": 8640}}],
 *  "history": {"zone": "UTC", "from": "2026-02-09", "to": "2026-03-10",
 *              "days": [{"date": "2026-03-10", "credits": 3}]},
 *  "store": {"failurePolicy": "fail-open", "servedUnbilled": 0, "pendingSettlements": 0, "unsettled": 0}}
 * }</pre>
 *
 * <p>{@code quotas} are the client-wide quotas; a client with quotas of single operations also gets
 * {@code "operations": {"send_email": [{"policy": "day", ...}]}}, the quotas of each operation in the same
 * form, and its history gets the daily usage of each of those operations, over the same days:
 * {@code "history": {..., "days": [...], "operations": {"send_email": [{"date": "2026-03-10", "credits": 2}]}}}
 * (credits of an operation count in {@code days} too; absent if the store keeps no totals per operation).
 * An unlimited quota has {@code "limit": null} and {@code "remaining": null}; history lists only days
 * with usage. {@code forecast} (absent when the billing's forecasts are off) is the quota's
 * {@link QuotaForecast}: the burn rate in credits per hour (3 decimals), the usage projected at the reset,
 * and when the budget runs out at that rate if before the reset ({@code null} otherwise). {@code store} is
 * this instance's store-failure policy and, since it started, the requests it served unbilled because the
 * store failed, the settlements waiting for the store, and those that could not be settled
 * ({@link dev.apibilling.StoreFaults}). A store failure is a 503 problem.
 *
 * <p>When the billing records usage events, {@code "events"} lists the caller's last ones of the past
 * {@value #EVENT_MINUTES} minutes, newest first (query parameter {@code events}, default
 * {@value #DEFAULT_EVENTS}, 0 to 100): {@code [{"id": "...", "time": "...", "credits": 5, "method": "GET",
 * "route": "GET /api/report", "status": 200, "metadata": {...}}]}.
 */
public final class ApiBillingStatusServlet extends HttpServlet {

  /** Days of history returned without a {@code days} parameter. */
  public static final int DEFAULT_DAYS = 30;

  /** Usage events returned without an {@code events} parameter. */
  public static final int DEFAULT_EVENTS = 10;

  /** How far back usage events are looked for, in minutes. */
  public static final int EVENT_MINUTES = 15;

  /** The methods answered, as {@code Allow} lists them. */
  private static final String ALLOWED = "GET, HEAD, OPTIONS";

  private transient @Nullable RequestBilling flow;

  /**
   * Finds the filter's flow.
   *
   * @throws ServletException if no {@link RequestBilling} is published under the attribute
   */
  @Override
  public void init() throws ServletException {
    String name = getInitParameter("context-attribute");
    String attribute = name == null || name.isBlank() ? RequestBilling.CONTEXT_ATTRIBUTE : name.trim();
    Object found = getServletContext().getAttribute(attribute);
    if (!(found instanceof RequestBilling f)) {
      throw new ServletException("no RequestBilling in servlet-context attribute '" + attribute
          + "': declare an ApiBillingFilter in the same application (with the same context-attribute)");
    }
    this.flow = f;
  }

  /**
   * Answers {@code GET}, {@code HEAD} and {@code OPTIONS}; any other method ({@code POST}, {@code TRACE},
   * ...) gets a 405 {@code method-not-allowed} problem with {@code Allow}, on any container.
   */
  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws ServletException, IOException {
    String method = request.getMethod();
    if (method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")) {
      super.service(request, response);
      return;
    }
    RequestBilling f = flow;
    BillingProblems problems = f != null ? f.problems() : BillingProblems.defaults();
    problems.methodNotAllowed(method, ALLOWED).write(response);
  }

  /** Lists the methods answered in {@code Allow}. */
  @Override
  protected void doOptions(HttpServletRequest request, HttpServletResponse response) {
    response.setHeader("Allow", ALLOWED);
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    RequestBilling f = flow;
    if (f == null) {
      throw new IllegalStateException("ApiBillingStatusServlet is not initialized");
    }
    BillingProblems problems = f.problems();
    String clientId = BilledRequest.of(request).map(BilledRequest::clientId).orElse(null);
    if (clientId == null) {
      ClientResolution who = f.clientResolver().resolve(request);
      clientId = who.clientId();
      if (who.outcome() != ClientResolution.Outcome.RESOLVED || clientId == null) {
        problems.unresolved(who).write(response);
        return;
      }
    }
    int days;
    int events;
    try {
      days = count("days", request.getParameter("days"), DEFAULT_DAYS, 1, Requirements.MAX_HISTORY_DAYS);
      events = count("events", request.getParameter("events"), DEFAULT_EVENTS, 0, 100);
    } catch (IllegalArgumentException e) {
      problems.badRequest(e.getMessage()).write(response);
      return;
    }
    ApiBilling billing = f.billing();
    ClientStatus status;
    List<DailyUsage> history;
    Map<String, List<DailyUsage>> operationHistory;
    LocalDate to;
    List<UsageEvent> last;
    try {
      status = billing.status(clientId);
      to = status.at().atZone(billing.historyZone()).toLocalDate();
      history = billing.usageHistory(clientId, to.minusDays(days - 1L), to);
      operationHistory = operationHistory(billing, status, to.minusDays(days - 1L), to);
      last = billing.recordsUsageEvents() && events > 0 ? lastEvents(billing, clientId, status.at(), events) : null;
    } catch (UnknownClientException | IllegalArgumentException e) {
      problems.unknownClient().write(response);
      return;
    } catch (UsageStoreException e) {
      problems.storeUnavailable(f.storeFailureRetryAfter()).write(response);
      return;
    }
    Map<String, Object> body = body(status, history, operationHistory, billing, to, days);
    body.put("store", store(f));
    if (last != null) {
      body.put("events", eventsJson(last));
    }
    byte[] json = BillingProblem.JSON.writeValueAsBytes(body);
    response.setStatus(200);
    response.setHeader("Cache-Control", "no-store");
    response.setContentType("application/json");
    response.setContentLength(json.length);
    response.getOutputStream().write(json);
  }

  /**
   * The daily usage of each operation that has quotas in the client's plan, in the order of the status;
   * null if the store keeps no totals per operation.
   */
  private static @Nullable Map<String, List<DailyUsage>> operationHistory(ApiBilling billing,
      ClientStatus status, LocalDate from, LocalDate to) {
    if (status.byOperation().isEmpty()) {
      return null;
    }
    Map<String, List<DailyUsage>> result = new LinkedHashMap<>();
    try {
      for (String operation : status.byOperation().keySet()) {
        result.put(operation, billing.usageHistory(status.clientId(), operation, from, to));
      }
    } catch (UnsupportedOperationException e) {
      return null;
    }
    return result;
  }

  /** A whole-number query parameter from {@code min} to {@code max}, or {@code fallback} when absent. */
  private static int count(String name, @Nullable String text, int fallback, int min, int max) {
    if (text == null) {
      return fallback;
    }
    int n;
    try {
      n = Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      n = min - 1;
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException("query parameter '" + name + "' must be a whole number from " + min
          + " to " + max + " but was '" + text + "'");
    }
    return n;
  }

  /** The client's last {@code n} events of the past minutes, newest first. */
  private static List<UsageEvent> lastEvents(ApiBilling billing, String clientId, Instant now, int n) {
    ArrayDeque<UsageEvent> last = new ArrayDeque<>(n);
    Instant from = now.minus(Duration.ofMinutes(EVENT_MINUTES));
    String after = null;
    do {
      UsageEventPage page = billing.usageEvents(clientId, from, now.plusMillis(1), after, 100);
      for (UsageEvent e : page.events()) {
        if (last.size() == n) {
          last.removeFirst();
        }
        last.addLast(e);
      }
      after = page.next();
    } while (after != null);
    List<UsageEvent> newestFirst = new ArrayList<>(last);
    Collections.reverse(newestFirst);
    return newestFirst;
  }

  private static List<Map<String, Object>> eventsJson(List<UsageEvent> events) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (UsageEvent e : events) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", e.id());
      m.put("time", e.time().toString());
      m.put("credits", e.credits());
      m.put("method", e.details().method());
      m.put("route", e.details().route());
      m.put("status", e.details().status());
      m.put("metadata", new TreeMap<>(e.metadata()));
      list.add(m);
    }
    return list;
  }

  /** This instance's store-failure policy and what store failures cost it since it started. */
  private static Map<String, Object> store(RequestBilling f) {
    StoreFaults faults = f.billing().faults();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("failurePolicy", f.storeFailurePolicy().toString());
    m.put("servedUnbilled", faults.servedUnbilled());
    m.put("pendingSettlements", faults.pending());
    m.put("unsettled", faults.unsettled() + faults.dropped());
    return m;
  }

  private static Map<String, Object> forecast(QuotaForecast f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("creditsPerHour", Math.round(f.creditsPer(Duration.ofHours(1)) * 1000) / 1000.0);
    m.put("projectedUsed", f.projectedUsed());
    m.put("exhaustsAt", f.exhaustion().map(Instant::toString).orElse(null));
    m.put("horizonSeconds", f.horizon().toSeconds());
    return m;
  }

  private static List<Map<String, Object>> quotas(List<QuotaState> states) {
    List<Map<String, Object>> quotas = new ArrayList<>();
    for (QuotaState q : states) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("policy", q.policy());
      m.put("duration", q.duration().policyName());
      m.put("limit", q.unlimited() ? null : q.limit());
      m.put("used", q.used());
      m.put("remaining", q.unlimited() ? null : q.remaining());
      m.put("windowStart", q.windowStart().toString());
      m.put("reset", q.resetAt().toString());
      QuotaForecast f = q.forecast();
      if (f != null) {
        m.put("forecast", forecast(f));
      }
      quotas.add(m);
    }
    return quotas;
  }

  private static List<Map<String, Object>> days(List<DailyUsage> history) {
    List<Map<String, Object>> daily = new ArrayList<>();
    for (DailyUsage d : history) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("date", d.date().toString());
      m.put("credits", d.credits());
      daily.add(m);
    }
    return daily;
  }

  private static Map<String, Object> body(ClientStatus status, List<DailyUsage> history,
      @Nullable Map<String, List<DailyUsage>> operationHistory, ApiBilling billing, LocalDate to, int days) {
    List<Map<String, Object>> quotas = quotas(status.clientWide());
    Map<String, Object> operations = new LinkedHashMap<>();
    status.byOperation().forEach((operation, states) -> operations.put(operation, quotas(states)));
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("zone", billing.historyZone().getId());
    h.put("from", to.minusDays(days - 1L).toString());
    h.put("to", to.toString());
    h.put("days", days(history));
    if (operationHistory != null) {
      Map<String, Object> byOperation = new LinkedHashMap<>();
      operationHistory.forEach((operation, daily) -> byOperation.put(operation, days(daily)));
      h.put("operations", byOperation);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("client", status.clientId());
    body.put("at", status.at().toString());
    body.put("quotas", quotas);
    if (!operations.isEmpty()) {
      body.put("operations", operations);
    }
    body.put("history", h);
    return body;
  }
}
