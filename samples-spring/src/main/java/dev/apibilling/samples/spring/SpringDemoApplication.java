package dev.apibilling.samples.spring;

import dev.apibilling.spi.UsageStores;
import dev.apibilling.servlet.ApiBillingStatusServlet;
import dev.apibilling.servlet.RequestBilling;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Starts the Spring Boot demo. Billing comes from the {@code apibilling-spring-adapter} auto-configuration
 * and {@code application.properties}; the controllers carry {@code @Billed}. The status JSON at
 * {@code /billing/usage} is the servlet module's {@link ApiBillingStatusServlet} on the adapter's request
 * flow, and {@code /billing/} is the Jetty demo's usage page, so both demos answer alike.
 *
 * <p>Flags: {@code --port=N} (default 8080, 0 for any free port), {@code --store=URL} (default
 * {@code memory}), {@code --host=ADDRESS} (default 127.0.0.1); any Spring Boot property works too, such as
 * {@code --apibilling.store=...}. Prints one line with the URL when ready.
 */
@SpringBootApplication
public class SpringDemoApplication {

  public static void main(String[] args) {
    SpringApplication.run(SpringDemoApplication.class, args);
  }

  /** The caller's quotas and daily history as JSON, as the Jetty demo answers them. */
  @Bean
  ServletRegistrationBean<ApiBillingStatusServlet> billingStatusServlet() {
    ServletRegistrationBean<ApiBillingStatusServlet> registration =
        new ServletRegistrationBean<>(new ApiBillingStatusServlet(), "/billing/usage");
    registration.setName("billing-status");
    return registration;
  }

  /** Publishes the adapter's request flow where the status servlet looks for it. */
  @Bean
  ServletContextInitializer requestBillingAttribute(RequestBilling flow) {
    return context -> context.setAttribute(RequestBilling.CONTEXT_ATTRIBUTE, flow);
  }

  /** {@code /billing/} shows the usage page. */
  @Bean
  WebMvcConfigurer usagePage() {
    return new WebMvcConfigurer() {
      @Override
      public void addViewControllers(ViewControllerRegistry registry) {
        registry.addRedirectViewController("/billing", "/billing/");
        registry.addViewController("/billing/").setViewName("forward:/billing/index.html");
      }
    };
  }

  /**
   * Errors Tomcat raises before Spring sees the request are problem bodies too ({@link ProblemReportValve});
   * Spring's own (an unknown path, a method an endpoint lacks) are problem details by
   * {@code spring.mvc.problemdetails.enabled}.
   */
  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
    return factory -> factory.addContextCustomizers(context -> {
      StandardHost host = (StandardHost) context.getParent();
      host.setErrorReportValveClass(ProblemReportValve.class.getName());
      host.getPipeline().addValve(new ProblemReportValve());
    });
  }

  /** The one line the demo prints when it is ready. */
  @Bean
  ApplicationListener<WebServerInitializedEvent> readyLine(Environment environment) {
    return event -> {
      String host = environment.getProperty("server.address", "127.0.0.1");
      String shown = host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
      String url = "http://" + (shown.contains(":") ? "[" + shown + "]" : shown) + ":"
          + event.getWebServer().getPort() + "/";
      System.out.println("apibilling Spring Boot demo listening on " + url + " (store "
          + UsageStores.redacted(environment.getProperty("apibilling.store", "memory")) + "); usage page " + url
          + "billing/ ; API keys demo-key and pro-key (header X-Api-Key)");
    };
  }

}
