package dev.apibilling.spring.boot;

import dev.apibilling.ApiBilling;
import dev.apibilling.SettingException;
import dev.apibilling.servlet.ApiKeyRegistry;
import dev.apibilling.servlet.ClientResolver;
import dev.apibilling.servlet.RequestBilling;
import dev.apibilling.spring.BillingExceptionResolver;
import dev.apibilling.spring.BillingHandlerInterceptor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Bills Spring MVC requests: {@code @Billed} handlers and the {@code apibilling.cost-rules}, with the
 * servlet module's request flow, and answers billing exceptions of handlers with problem responses.
 *
 * <p>Beans, each replaced by one the application defines:
 *
 * <ul>
 *   <li>{@code ApiKeyRegistry}: the keys of {@code apibilling.clients.*.api-keys}
 *   <li>{@code ClientResolver}: per {@code apibilling.client-resolver}; {@code auto} is the principal
 *       alone when Spring Security's filter chain is configured, else the principal, then the API key
 *   <li>{@code RequestBilling}: the flow, with the header style, charge and failure policies
 *   <li>{@code BillingHandlerInterceptor}, registered by the {@code apiBillingWebMvcConfigurer}
 *   <li>{@code BillingExceptionResolver}
 *   <li>{@code apiBillingRequestMetrics}: counters of store failures seen by the flow, when there is one
 *       {@code MeterRegistry} bean
 * </ul>
 */
@AutoConfiguration(after = ApiBillingAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({DispatcherServlet.class, RequestBilling.class})
@ConditionalOnBean(ApiBilling.class)
public class ApiBillingWebMvcAutoConfiguration {

  private static final Logger LOG = System.getLogger(ApiBillingWebMvcAutoConfiguration.class.getName());

  /** The API keys of the configured clients. */
  @Bean
  @ConditionalOnMissingBean
  public ApiKeyRegistry apiBillingApiKeyRegistry(ApiBillingProperties properties) {
    try {
      return ApiKeyRegistry.of(properties.apiKeys());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("apibilling.clients.*.api-keys: " + e.getMessage(), e);
    }
  }

  /** Who is calling, per {@code apibilling.client-resolver}. */
  @Bean
  @ConditionalOnMissingBean
  public ClientResolver apiBillingClientResolver(ApiBillingProperties properties, ApiKeyRegistry keys,
      BeanFactory beans) {
    ClientResolver principal = ClientResolver.principal(properties.principalChallenge());
    ClientResolver apiKey;
    try {
      apiKey = ClientResolver.apiKey(keys, properties.apiKey().header(), properties.apiKey().bearer());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("apibilling.api-key.header: " + e.getMessage(), e);
    }
    return switch (properties.clientResolver()) {
      case PRINCIPAL -> principal;
      case API_KEY -> apiKey;
      case AUTO -> AutoClientResolver.of(principal, apiKey, beans);
    };
  }

  /** The request flow. */
  @Bean
  @ConditionalOnMissingBean
  public RequestBilling apiBillingRequestBilling(ApiBilling billing, ClientResolver resolver,
      ApiBillingProperties properties) {
    try {
      return RequestBilling.builder(billing)
          .clientResolver(resolver)
          .costRules(properties.costs())
          .headerStyle(properties.headerStyle())
          .chargePolicy(properties.chargePolicy())
          .storeFailurePolicy(properties.storeFailurePolicy())
          .storeFailureRetryAfter(properties.storeFailureRetryAfter())
          .failureLogInterval(properties.failureLogInterval())
          .throwOnQuotaExceeded(properties.throwOnQuotaExceeded())
          .billCorsPreflight(properties.billCorsPreflight())
          .problemTypeBase(properties.problemTypeBase())
          .metadataHeaders(properties.metadataHeaders())
          .operationAttribute(properties.operationAttribute())
          .build();
    } catch (SettingException e) {
      throw properties.named(e);
    }
  }

  /** Bills requests around their handlers. */
  @Bean
  @ConditionalOnMissingBean
  public BillingHandlerInterceptor apiBillingHandlerInterceptor(RequestBilling billing, BeanFactory beans) {
    return new BillingHandlerInterceptor(billing, beans);
  }

  /** Answers billing exceptions of handlers. */
  @Bean
  @ConditionalOnMissingBean
  public BillingExceptionResolver apiBillingExceptionResolver(RequestBilling billing) {
    return new BillingExceptionResolver(
        billing.problems(), billing.headerStyle(), billing.storeFailureRetryAfter());
  }

  /** Registers the interceptor with Spring MVC. */
  @Bean
  @ConditionalOnMissingBean(name = "apiBillingWebMvcConfigurer")
  public WebMvcConfigurer apiBillingWebMvcConfigurer(BillingHandlerInterceptor interceptor) {
    return new WebMvcConfigurer() {
      @Override
      public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(interceptor);
      }
    };
  }

  /**
   * Checks every {@code @Billed} handler method at start-up, then logs one INFO line with the client
   * resolver and the policies in effect.
   */
  @Bean
  @ConditionalOnMissingBean(name = "apiBillingHandlerValidator")
  public static SmartInitializingSingleton apiBillingHandlerValidator(
      ObjectProvider<RequestMappingHandlerMapping> mappings,
      ObjectProvider<BillingHandlerInterceptor> interceptor) {
    return () -> {
      BillingHandlerInterceptor billing = interceptor.getIfAvailable();
      if (billing == null) {
        return;
      }
      mappings.orderedStream().forEach(mapping -> {
        for (HandlerMethod handler : mapping.getHandlerMethods().values()) {
          billing.validate(handler);
        }
      });
      RequestBilling flow = billing.requestBilling();
      LOG.log(Level.INFO, "apibilling bills Spring MVC requests: client resolver " + flow.clientResolver()
          + ", charge policy " + flow.chargePolicy() + ", store failure " + flow.storeFailurePolicy()
          + ", rate-limit headers " + flow.headerStyle());
    };
  }

  /** Counters of the flow's store failures. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  @ConditionalOnSingleCandidate(MeterRegistry.class)
  @ConditionalOnProperty(prefix = "apibilling.metrics", name = "enabled", matchIfMissing = true)
  static class RequestMetricsConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "apiBillingRequestMetrics")
    RequestMetrics apiBillingRequestMetrics(MeterRegistry registry, RequestBilling billing) {
      return new RequestMetrics(registry, billing);
    }
  }

  /** Registers the counters on creation. */
  static final class RequestMetrics {
    RequestMetrics(MeterRegistry registry, RequestBilling billing) {
      FunctionCounter.builder("apibilling.http.store.failures", billing, RequestBilling::storeFailures)
          .description("Billing calls of requests that the usage store failed: decide (served per the failure"
              + " policy) or settle (the reservation expires unsettled)")
          .tag("phase", "decide")
          .register(registry);
      FunctionCounter.builder("apibilling.http.store.failures", billing, RequestBilling::settleFailures)
          .description("Billing calls of requests that the usage store failed: decide (served per the failure"
              + " policy) or settle (the reservation expires unsettled)")
          .tag("phase", "settle")
          .register(registry);
    }
  }
}
