/**
 * Billing for Jakarta Servlet 6.0 applications: {@link dev.apibilling.servlet.ApiBillingFilter} for
 * {@code web.xml}, {@link dev.apibilling.servlet.ApiBillingStatusServlet} for clients to read their quotas,
 * and the HTTP vocabulary both use, public so that other servlet-based adapters (Spring MVC) reuse it
 * rather than copy it: {@link dev.apibilling.servlet.RequestBilling} (the per-request flow),
 * {@link dev.apibilling.servlet.ClientResolver}, {@link dev.apibilling.servlet.CostRules},
 * {@link dev.apibilling.servlet.RateLimitHeaders}, {@link dev.apibilling.servlet.BillingProblems},
 * {@link dev.apibilling.servlet.ChargePolicy}, {@link dev.apibilling.servlet.BillingRefusals} and
 * {@link dev.apibilling.servlet.StoreFailurePolicy}.
 */
@NullMarked
package dev.apibilling.servlet;

import org.jspecify.annotations.NullMarked;
