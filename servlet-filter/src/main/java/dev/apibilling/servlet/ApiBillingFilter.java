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
 *   <init-param><param-name>cost-rules</param-name><param-value>POST /api/reports/* = 5</param-value></init-param>
 * </filter>
 * <filter-mapping><filter-name>billing</filter-name><url-pattern>/api/*</url-pattern></filter-mapping>
 * }</pre>
 *
 * <p>Each init-param is a setting of the request flow ({@link RequestBilling.Builder}) or of the billing
 * ({@link ApiBilling.Builder}) under the builder's name in kebab-case: {@code header-style} is
 * {@code headerStyle}, {@code store-failure-policy} is {@code storeFailurePolicy}; the quotas are
 * {@code plans}, {@code default-plan} and {@code clients} (or {@code quotas-file}, see {@link dev.apibilling.QuotaPlans}),
 * and {@code resolver.*} is free for a custom {@link ClientResolver}. The one table of every setting, with
 * its default and its Spring property, is the "Settings" section of the servlet-filter README. Any other
 * name stops {@code init}; an old name of a setting ({@code costs}, {@code store-failure}, ...) still works
 * and logs a warning naming the setting now.
 *
 * <p>At {@link #init} the filter logs one INFO line with its effective settings (store URL without
 * credentials, plan and client counts, resolver, cost rules, header style, charge, store-failure and
 * preflight policies). A missing or malformed init-param makes {@link #init} throw a
 * {@link ServletException} that names it as written; a rule a value breaks is found by the setting's name
 * the rule reports ({@link dev.apibilling.SettingException#setting()}), not by the message's wording. The filter opens the store and builds the {@link ApiBilling}; it closes both
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
   * @throws dev.apibilling.QuotaException if the quota is spent and {@code throw-on-quota-exceeded} is
   *     {@code true}
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
