package dev.apibilling.servlet;

import dev.apibilling.ApiBilling;
import dev.apibilling.events.UsageEventExporter;
import dev.apibilling.spi.UsageStore;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Bills every request it filters: identifies the client, reserves the request's credits before the
 * handler, writes the rate-limit header fields, answers 401/403/400/429/503 with problem bodies, and
 * commits or refunds after the handler. The flow itself is {@link RequestBilling}; this class configures
 * it from {@code web.xml} and runs it around the filter chain.
 *
 * <p><b>In {@code web.xml}</b> (no code; mark the filter {@code <async-supported>true</async-supported>}
 * so asynchronous servlets behind it work):
 *
 * <pre>{@code
 * <filter>
 *   <filter-name>billing</filter-name>
 *   <filter-class>dev.apibilling.servlet.ApiBillingFilter</filter-class>
 *   <async-supported>true</async-supported>
 *   <init-param><param-name>plans</param-name><param-value>free = day:500, month:10000</param-value></init-param>
 *   <init-param><param-name>default-plan</param-name><param-value>free</param-value></init-param>
 *   <init-param><param-name>api-keys-file</param-name><param-value>/WEB-INF/api-keys.txt</param-value></init-param>
 *   <init-param><param-name>costs</param-name><param-value>POST /api/reports/* = 5</param-value></init-param>
 * </filter>
 * <filter-mapping><filter-name>billing</filter-name><url-pattern>/api/*</url-pattern></filter-mapping>
 * }</pre>
 *
 * <table>
 *   <caption>Init-params (any other name stops {@code init})</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code store}</td><td>{@code memory}</td><td>usage store URL for
 *       {@link dev.apibilling.spi.UsageStores#open}: {@code memory}, {@code redis://...},
 *       {@code jdbc:...} (store module on the class path)</td></tr>
 *   <tr><td>{@code plans}</td><td>required unless {@code quotas-file}</td><td>named plans,
 *       {@code name = quotas} separated by {@code ;} or line breaks; quotas as {@link dev.apibilling.QuotaPlans}
 *       describes: {@code free = day:500, month:10000; pro = day:5000, month:unlimited}</td></tr>
 *   <tr><td>{@code default-plan}</td><td>none</td><td>plan of clients not listed in {@code clients};
 *       without it they are unknown (403)</td></tr>
 *   <tr><td>{@code clients}</td><td>none</td><td>{@code clientId = plan} entries separated by
 *       {@code ,}, {@code ;} or line breaks</td></tr>
 *   <tr><td>{@code quotas-file}</td><td>none</td><td>instead of the three above: a {@code .json} file
 *       or a properties file ({@code plan.NAME}, {@code client.ID}, {@code default-plan}); see
 *       {@link dev.apibilling.QuotaPlans}</td></tr>
 *   <tr><td>{@code client-resolver}</td><td>{@code api-key}</td><td>{@code api-key},
 *       {@code principal}, or the name of a class implementing {@link ClientResolver} (public
 *       constructor taking {@code Map<String, String>} of the init-params, or none)</td></tr>
 *   <tr><td>{@code api-keys-file}</td><td>required for {@code api-key} unless {@code api-keys}</td>
 *       <td>file of {@code key = clientId} lines; a key may be given as {@code sha256:<hex>} so the
 *       file holds no plain keys</td></tr>
 *   <tr><td>{@code api-keys}</td><td>none</td><td>the same entries inline, separated by commas or
 *       line breaks (for tests and demos)</td></tr>
 *   <tr><td>{@code api-key-header}</td><td>{@code X-Api-Key}</td><td>header carrying the key</td></tr>
 *   <tr><td>{@code api-key-bearer}</td><td>{@code true}</td><td>also accept
 *       {@code Authorization: Bearer <key>}</td></tr>
 *   <tr><td>{@code default-cost}</td><td>{@code 1}</td><td>credits of a request no cost rule matches;
 *       0 makes such requests free (not billed)</td></tr>
 *   <tr><td>{@code costs}</td><td>none</td><td>cost rules {@code [METHOD] /pattern = credits [as OPERATION]},
 *       separated by commas or line breaks, first match wins; see {@link CostRule}</td></tr>
 *   <tr><td>{@code header-style}</td><td>{@code both}</td><td>{@code ietf}, {@code legacy},
 *       {@code both}, {@code none}; see {@link RateLimitHeaders}</td></tr>
 *   <tr><td>{@code charge-policy}</td><td>{@code below-500}</td><td>{@code always},
 *       {@code below-500}, {@code success-2xx}; see {@link ChargePolicy}</td></tr>
 *   <tr><td>{@code store-failure}</td><td>{@code fail-open}</td><td>{@code fail-open} or
 *       {@code fail-closed}; see {@link StoreFailurePolicy}</td></tr>
 *   <tr><td>{@code store-failure-retry-after}</td><td>{@code 5}</td><td>{@code Retry-After} of a
 *       fail-closed 503: seconds or ISO-8601 duration</td></tr>
 *   <tr><td>{@code failure-log-interval}</td><td>{@code 60}</td><td>store failures and bad cost
 *       reports are logged at most once per interval: seconds or ISO-8601 duration</td></tr>
 *   <tr><td>{@code on-quota-exceeded}</td><td>{@code respond}</td><td>{@code respond} (429 with a
 *       problem body) or {@code throw} ({@link dev.apibilling.QuotaException} to the container, for an
 *       {@code <error-page>} mapping)</td></tr>
 *   <tr><td>{@code cors-preflight}</td><td>{@code free}</td><td>{@code free}: a CORS preflight
 *       ({@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}) passes unbilled
 *       and needs no key; {@code billed}: it follows the cost rules like a plain {@code OPTIONS}</td></tr>
 *   <tr><td>{@code idempotency-ttl}</td><td>{@code PT24H}</td><td>how long an
 *       {@code Idempotency-Key} is remembered</td></tr>
 *   <tr><td>{@code reservation-ttl}</td><td>{@code PT30S}</td><td>how long a request's credits are
 *       held before the store releases them (a crashed instance's holds too); longer than the longest
 *       request</td></tr>
 *   <tr><td>{@code leases}</td><td>{@code false}</td><td>{@code true} leases budgets of hot clients
 *       ({@link dev.apibilling.LeaseSettings#defaults()}), so most of their requests need no store call</td></tr>
 *   <tr><td>{@code history-zone}</td><td>{@code UTC}</td><td>zone of the days of usage history</td></tr>
 *   <tr><td>{@code problem-type-base}</td><td>{@value BillingProblems#DEFAULT_TYPE_BASE}</td><td>prefix
 *       of problem type URIs</td></tr>
 *   <tr><td>{@code context-attribute}</td><td>{@value RequestBilling#CONTEXT_ATTRIBUTE}</td><td>servlet
 *       context attribute the {@link RequestBilling} is published under (for
 *       {@link ApiBillingStatusServlet}); with several filters, one name each</td></tr>
 *   <tr><td>{@code usage-events}</td><td>{@code false} ({@code true} with an export)</td><td>record a
 *       {@link dev.apibilling.UsageEvent} with every billed request, atomically with its credits</td></tr>
 *   <tr><td>{@code event-source}</td><td>{@code apibilling://<host>/<pid>}</td><td>CloudEvents
 *       {@code source} of this instance's events</td></tr>
 *   <tr><td>{@code event-metadata-headers}</td><td>none</td><td>request headers recorded with each charge
 *       (metadata keyed by the lower-case header name), separated by commas, e.g.
 *       {@code X-Workflow-Id, X-Origin}; an over-long value is answered 400</td></tr>
 *   <tr><td>{@code export-to}</td><td>none</td><td>exports usage events from the store to this URL as
 *       CloudEvents batches ({@link dev.apibilling.events.HttpEventSink}), on a thread of the filter</td></tr>
 *   <tr><td>{@code export-file}</td><td>none</td><td>exports usage events to this file as JSON lines
 *       instead</td></tr>
 *   <tr><td>{@code resolver.*}</td><td></td><td>free for a custom client resolver</td></tr>
 * </table>
 *
 * <p>At {@link #init} the filter logs one INFO line with its effective settings (store URL without
 * credentials, plan and client counts, resolver, cost rules, header style, charge, store-failure and
 * preflight policies). A missing or malformed init-param makes {@link #init} throw a
 * {@link ServletException} that names it, before any store is opened. The filter opens the store and builds the {@link ApiBilling}; it closes both
 * in {@link #destroy}. It publishes the flow as the context attribute above and the billing as
 * {@value #BILLING_CONTEXT_ATTRIBUTE}.
 *
 * <p><b>Programmatically</b> (embedded servers, tests, frameworks), with a billing of your own that you
 * close yourself:
 *
 * <pre>{@code
 * Filter filter = new ApiBillingFilter(RequestBilling.builder(billing)
 *     .clientResolver(ClientResolver.apiKey(ApiKeyRegistry.of(Map.of("secret-key", "acme"))))
 *     .costRules(CostRules.parse(1, "POST /api/reports/* = 5"))
 *     .build());
 * }</pre>
 *
 * Then the only init-param read is {@code context-attribute}; any other stops {@code init}.
 */
public final class ApiBillingFilter implements Filter {

  /** {@value}: the servlet-context attribute holding the filter's {@link ApiBilling}. */
  public static final String BILLING_CONTEXT_ATTRIBUTE = "dev.apibilling.ApiBilling";

  private static final System.Logger LOG = System.getLogger(ApiBillingFilter.class.getName());

  private final @Nullable RequestBilling given;
  private volatile @Nullable RequestBilling flow;
  private @Nullable ApiBilling ownedBilling;
  private @Nullable UsageStore ownedStore;
  private @Nullable UsageEventExporter ownedExporter;
  private @Nullable ServletContext context;
  private String contextAttribute = RequestBilling.CONTEXT_ATTRIBUTE;

  /** A filter configured by its init-params (the constructor {@code web.xml} uses). */
  public ApiBillingFilter() {
    this.given = null;
  }

  /** A filter running {@code flow}; the caller owns and closes the flow's billing. */
  public ApiBillingFilter(RequestBilling flow) {
    this.given = Objects.requireNonNull(flow, "flow");
    this.flow = flow;
  }

  /**
   * Reads the init-params (see the class description) and publishes the flow in the servlet context.
   *
   * @throws ServletException if an init-param is missing or malformed (the message names it), or the
   *     store cannot be opened
   */
  @Override
  public void init(FilterConfig config) throws ServletException {
    Map<String, String> params = FilterSettings.params(config);
    String attribute = FilterSettings.contextAttribute(params);
    RequestBilling f;
    if (given != null) {
      for (String name : params.keySet()) {
        if (!name.equals(FilterSettings.CONTEXT_ATTRIBUTE)) {
          throw new ServletException("init-param '" + name + "' is not used: this ApiBillingFilter was "
              + "configured programmatically; only '" + FilterSettings.CONTEXT_ATTRIBUTE + "' applies");
        }
      }
      f = given;
      LOG.log(System.Logger.Level.INFO, FilterSettings.summary(String.valueOf(config.getFilterName()),
          "configured programmatically", f));
    } else {
      FilterSettings.Built built = FilterSettings.build(config);
      ownedBilling = built.billing();
      ownedStore = built.store();
      ownedExporter = built.exporter();
      f = built.flow();
      LOG.log(System.Logger.Level.INFO, built.summary());
    }
    ServletContext ctx = config.getServletContext();
    ctx.setAttribute(attribute, f);
    ctx.setAttribute(BILLING_CONTEXT_ATTRIBUTE, f.billing());
    this.context = ctx;
    this.contextAttribute = attribute;
    this.flow = f;
  }

  /**
   * Bills the request around the rest of the chain; see {@link RequestBilling}. A refusal by apibilling
   * that the chain throws (a servlet's own {@code trackClientUsage} meeting a spent quota, an unknown
   * client or a failed store; see {@link BillingRefusals}) is answered like the filter's own (429, 403,
   * 503) and the request is not charged.
   *
   * @throws dev.apibilling.QuotaException if the quota is spent and {@code on-quota-exceeded} is
   *     {@code throw}
   */
  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    RequestBilling f = flow;
    if (f == null) {
      throw new ServletException("ApiBillingFilter was not initialized");
    }
    if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
      chain.doFilter(req, res);
      return;
    }
    if (!f.admit(request, response)) {
      return;
    }
    Throwable failure = null;
    try {
      chain.doFilter(f.asyncAware(request), response);
    } catch (IOException | ServletException | RuntimeException | Error e) {
      if (f.answerRefusal(request, response, e)) {
        return; // a nested spent quota or unknown client: answered like the filter's own, not charged
      }
      failure = e;
      throw e;
    } finally {
      f.complete(request, response, failure);
    }
  }

  /** Removes the context attributes; closes the billing and store the filter opened itself. */
  @Override
  public void destroy() {
    ServletContext ctx = context;
    RequestBilling f = flow;
    if (ctx != null && f != null) {
      if (ctx.getAttribute(contextAttribute) == f) {
        ctx.removeAttribute(contextAttribute);
      }
      if (ctx.getAttribute(BILLING_CONTEXT_ATTRIBUTE) == f.billing()) {
        ctx.removeAttribute(BILLING_CONTEXT_ATTRIBUTE);
      }
    }
    if (ownedExporter != null) {
      ownedExporter.close();
      ownedExporter = null;
    }
    if (ownedBilling != null) {
      ownedBilling.close();
      ownedBilling = null;
    }
    if (ownedStore != null) {
      ownedStore.close();
      ownedStore = null;
    }
    if (given == null) {
      flow = null;
    }
  }

  /**
   * The flow this filter runs.
   *
   * @throws IllegalStateException before a filter configured by init-params is initialized
   */
  public RequestBilling flow() {
    RequestBilling f = flow;
    if (f == null) {
      throw new IllegalStateException("ApiBillingFilter is not initialized");
    }
    return f;
  }
}
