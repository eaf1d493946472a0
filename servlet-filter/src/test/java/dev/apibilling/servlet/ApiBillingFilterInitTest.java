package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.ApiBilling;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code init} with missing or malformed init-params fails with a message naming the param. */
final class ApiBillingFilterInitTest {

  static Map<String, String> valid() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("plans", "free = day:500, month:10000");
    p.put("default-plan", "free");
    p.put("api-keys", "k1 = acme");
    return p;
  }

  static FilterConfig config(Map<String, String> params, ServletContext context) {
    return new FilterConfig() {
      @Override
      public String getFilterName() {
        return "billing";
      }

      @Override
      public ServletContext getServletContext() {
        return context;
      }

      @Override
      public String getInitParameter(String name) {
        return params.get(name);
      }

      @Override
      public Enumeration<String> getInitParameterNames() {
        return Collections.enumeration(params.keySet());
      }
    };
  }

  static ServletContext context() {
    return new ServletContextHandler().getServletContext();
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("plans", "free day:500", "'name = quotas'"),
        Arguments.of("plans", "free = day:-5", "limit"),
        Arguments.of("plans", "free = fortnight:5", "fortnight"),
        Arguments.of("plans", "free = day:5, day:6", "appears twice"),
        Arguments.of("plans", "free = day:5 zone=Mars/Olympus", "Mars/Olympus"),
        Arguments.of("default-plan", "gold", "gold"),
        Arguments.of("clients", "acme = gold", "gold"),
        Arguments.of("api-keys", "no-equals-sign", "api key entry 1"),
        Arguments.of("api-keys-file", "/WEB-INF/missing.txt", "missing.txt"),
        Arguments.of("header-style", "fancy", "[ietf, legacy, both, none]"),
        Arguments.of("charge-policy", "sometimes", "[always, below-500, success-2xx]"),
        Arguments.of("store-failure", "maybe", "[fail-open, fail-closed]"),
        Arguments.of("store", "ftp://billing.example", "ftp:"),
        Arguments.of("costs", "POST reports = 5", "must start with '/'"),
        Arguments.of("costs", "POST /reports = many", "many"),
        Arguments.of("costs", "POST /reports/**x = 5", "'**'"),
        Arguments.of("default-cost", "-1", "-1"),
        Arguments.of("idempotency-ttl", "forever", "ISO-8601"),
        Arguments.of("reservation-ttl", "0", "> 0"),
        Arguments.of("store-failure-retry-after", "PT-5S", "> 0"),
        Arguments.of("history-zone", "Mars/Olympus", "zone id"),
        Arguments.of("client-resolver", "com.example.NoSuchResolver", "cannot be loaded"),
        Arguments.of("client-resolver", "java.lang.String", "does not implement"),
        Arguments.of("client-resolver", "not a class!", "'api-key', 'principal'"),
        Arguments.of("on-quota-exceeded", "explode", "'respond' or 'throw'"),
        Arguments.of("problem-type-base", "problems/", "absolute URI"),
        Arguments.of("api-key-bearer", "yes", "true or false"),
        Arguments.of("leases", "sometimes", "true or false"),
        Arguments.of("api-key-header", "X Api Key", "header name"),
        Arguments.of("api-key.header", "X Api Key", "header name"),
        Arguments.of("api-key.bearer", "yes", "true or false"),
        Arguments.of("leases.enabled", "sometimes", "true or false"),
        Arguments.of("events.export-to", "ftp://x", "http or https URL"),
        Arguments.of("export-file", " ", "must be a file path"),
        Arguments.of("context-attribute", " ", "blank"),
        Arguments.of("default-credits", "-1", "default credits must be >= 0"),
        Arguments.of("cost-rules", "POST reports = 5", "must start with '/'"),
        Arguments.of("store-failure-policy", "maybe", "[fail-open, fail-closed]"),
        Arguments.of("throw-on-quota-exceeded", "explode", "true or false"),
        Arguments.of("bill-cors-preflight", "billed", "true or false"),
        Arguments.of("idempotency-ttl", "0", "init-param 'idempotency-ttl' must be > 0 but was PT0S"),
        Arguments.of("metadata-headers", "A,B,C,D,E,F,G,H,I,J,K,L,M,N,O,P", "must be fewer than 16"),
        Arguments.of("operation-attribute", " ",
            "init-param 'operation-attribute' must be a request attribute name but was blank"));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("malformed")
  void malformedInitParamStopsInitNamingIt(String name, String value, String explained) {
    Map<String, String> params = valid();
    params.put(name, value);
    if (name.equals("api-keys-file") || name.equals("client-resolver")) {
      params.remove("api-keys");
    }
    ServletContext context = context();

    assertThatThrownBy(() -> new ApiBillingFilter().init(config(params, context)))
        .isInstanceOf(ServletException.class)
        .hasMessageContaining("init-param '" + name + "'")
        .hasMessageContaining(explained);
    assertThat(context.getAttribute(RequestBilling.CONTEXT_ATTRIBUTE)).isNull();
  }

  @Test
  void quotaErrorsAreReportedUnderTheInitParamCoreNamesAsTheirSetting(@TempDir Path dir) throws Exception {
    assertInitFails(Map.of("plans", "free = day:5; free = day:6"), "init-param 'plans': plan 'free' is defined twice");
    assertInitFails(Map.of("default-plan", "gold"),
        "init-param 'default-plan': default plan is 'gold' but plans defines only [free]");
    assertInitFails(Map.of("clients", "acme = gold"),
        "init-param 'clients': client 'acme' in clients is 'gold' but plans defines only [free]");
    assertInitFails(Map.of("clients", "client-without-plan"),
        "init-param 'clients': client entry must be 'clientId = plan' but was 'client-without-plan'");
    Path file = Files.writeString(dir.resolve("quotas.properties"), "plan.free = day:5\nclient.acme = gold\n");
    Map<String, String> fromFile = valid();
    fromFile.remove("plans");
    fromFile.remove("default-plan");
    fromFile.put("quotas-file", file.toString());
    assertThatThrownBy(() -> new ApiBillingFilter().init(config(fromFile, context())))
        .isInstanceOf(ServletException.class)
        .hasMessage("init-param 'quotas-file': client.acme is 'gold' but plan.NAME defines only [free]");
  }

  private static void assertInitFails(Map<String, String> changed, String message) {
    Map<String, String> params = valid();
    params.putAll(changed);
    assertThatThrownBy(() -> new ApiBillingFilter().init(config(params, context())))
        .isInstanceOf(ServletException.class).hasMessage(message);
  }

  @Test
  void missingQuotasOrKeysStopInitNamingTheParam() {
    Map<String, String> noPlans = valid();
    noPlans.remove("plans");
    noPlans.remove("default-plan");
    assertThatThrownBy(() -> new ApiBillingFilter().init(config(noPlans, context())))
        .hasMessageContaining("init-param 'plans' is missing").hasMessageContaining("quotas-file");

    Map<String, String> noKeys = valid();
    noKeys.remove("api-keys");
    assertThatThrownBy(() -> new ApiBillingFilter().init(config(noKeys, context())))
        .hasMessageContaining("init-param 'api-keys-file' is missing");

    Map<String, String> nobody = valid();
    nobody.remove("default-plan");
    assertThatThrownBy(() -> new ApiBillingFilter().init(config(nobody, context())))
        .hasMessageContaining("init-param 'default-plan'").hasMessageContaining("no client would have quotas");
  }

  @Test
  void leasesTogetherWithUsageEventsStopInitNamingBoth() {
    Map<String, String> both = valid();
    both.put("leases", "true");
    both.put("usage-events", "true");
    ServletContext context = context();

    assertThatThrownBy(() -> new ApiBillingFilter().init(config(both, context)))
        .hasMessageContaining("init-param 'leases' is true, but usage events are on ('usage-events'");
    assertThat(context.getAttribute(RequestBilling.CONTEXT_ATTRIBUTE)).isNull();
  }

  @Test
  void leasesAndExportsAreNamedAsTheirPropertiesAndTheOldNamesStillWork() {
    Map<String, String> both = valid();
    both.put("leases.enabled", "true");
    both.put("events.export-file", "events.jsonl");
    assertThatThrownBy(() -> new ApiBillingFilter().init(config(both, context()))).hasMessageContaining(
        "init-param 'leases.enabled' is true, but usage events are on ('usage-events', 'events.export-to' or "
            + "'events.export-file')");
    Map<String, String> old = valid();
    old.put("export-to", "http://127.0.0.1:1/events");
    old.put("export-file", "events.jsonl");
    assertThatThrownBy(() -> new ApiBillingFilter().init(config(old, context())))
        .hasMessageContaining("init-params 'export-to' and 'export-file' cannot be combined");
    Map<String, String> twice = valid();
    twice.put("leases", "true");
    twice.put("leases.enabled", "true");
    assertThatThrownBy(() -> new ApiBillingFilter().init(config(twice, context())))
        .hasMessage("init-param 'leases' is the deprecated name of 'leases.enabled'; give only 'leases.enabled'");
  }

  @Test
  void exporterSettingsAreCheckedAndNeedAnExport(@TempDir Path dir) throws Exception {
    Map<String, String> set = valid();
    set.put("events.export-file", dir.resolve("events.jsonl").toString());
    set.put("events.batch-size", "100");
    set.put("events.retention", "P7D");
    ApiBillingFilter filter = new ApiBillingFilter();
    filter.init(config(set, context()));
    filter.destroy();

    Map<String, String> alone = valid();
    alone.put("events.batch-size", "100");
    assertThatThrownBy(() -> new ApiBillingFilter().init(config(alone, context()))).hasMessage(
        "init-param 'events.batch-size' is used only with 'events.export-to' or 'events.export-file', and "
            + "neither is set");
    for (String[] wrong : new String[][] {
        {"events.batch-size", "0", "init-param 'events.batch-size' must be >= 1 and <= 10000 but was 0"},
        {"events.batch-size", "many", "init-param 'events.batch-size': must be a whole number of events but was 'many'"},
        {"events.retention", "PT0S", "init-param 'events.retention' must be > 0 but was PT0S"}}) {
      Map<String, String> params = valid();
      params.put("events.export-to", "http://127.0.0.1:1/events");
      params.put(wrong[0], wrong[1]);
      assertThatThrownBy(() -> new ApiBillingFilter().init(config(params, context()))).hasMessage(wrong[2]);
    }
  }

  @Test
  void misspelledOrMisplacedInitParamStopsInit() {
    Map<String, String> typo = valid();
    typo.put("header-stlye", "ietf");
    assertThatThrownBy(() -> new ApiBillingFilter().init(config(typo, context())))
        .hasMessageContaining("unknown init-param 'header-stlye'");

    Map<String, String> both = valid();
    both.put("quotas-file", "classpath:quotas.json");
    assertThatThrownBy(() -> new ApiBillingFilter().init(config(both, context())))
        .hasMessageContaining("init-param 'plans' cannot be combined with 'quotas-file'");

    Map<String, String> keysWithPrincipal = valid();
    keysWithPrincipal.put("client-resolver", "principal");
    assertThatThrownBy(() -> new ApiBillingFilter().init(config(keysWithPrincipal, context())))
        .hasMessageContaining("init-param 'api-keys' is used only with client-resolver=api-key");
  }

  @Test
  void keysNeverAppearInErrorMessages() {
    Map<String, String> params = valid();
    params.put("api-keys", "sk_live_secret_1 = acme, sk_live_secret_2 = ac\u0001me");
    assertThatThrownBy(() -> new ApiBillingFilter().init(config(params, context())))
        .hasMessageContaining("init-param 'api-keys'")
        .hasMessageContaining("entry 2")
        .hasMessageNotContaining("sk_live_secret");
  }

  @Test
  void validInitParamsPublishTheFlowAndDestroyClosesIt(@TempDir Path dir) throws Exception {
    Path quotas = dir.resolve("quotas.properties");
    Files.writeString(quotas, "plan.free = day:500, month:10000\nplan.pro = day:5000\n"
        + "default-plan = free\nclient.acme = pro\n");
    Path keys = dir.resolve("keys.txt");
    Files.writeString(keys, "k1 = acme\n" + ApiKeyRegistry.sha256Of("k2") + " = globex\n");
    Map<String, String> params = new LinkedHashMap<>();
    params.put("quotas-file", "file:" + quotas);
    params.put("api-keys-file", keys.toString());
    params.put("costs", "POST /api/reports/* = 5\nGET /health = 0");
    params.put("default-cost", "2");
    params.put("header-style", "LEGACY");
    params.put("charge-policy", "success_2xx");
    params.put("store-failure", "Fail-Closed");
    params.put("store-failure-retry-after", "PT30S");
    params.put("idempotency-ttl", "3600");
    params.put("history-zone", "Europe/Berlin");
    params.put("problem-type-base", "https://api.example.com/problems/");
    params.put("store", "memory");
    ServletContext context = context();
    ApiBillingFilter filter = new ApiBillingFilter();

    filter.init(config(params, context));

    RequestBilling flow = (RequestBilling) context.getAttribute(RequestBilling.CONTEXT_ATTRIBUTE);
    assertThat(flow).isSameAs(filter.flow());
    assertThat(context.getAttribute(ApiBillingFilter.BILLING_CONTEXT_ATTRIBUTE)).isSameAs(flow.billing());
    assertThat(flow.headerStyle()).isEqualTo(HeaderStyle.LEGACY);
    assertThat(flow.chargePolicy()).isEqualTo(ChargePolicy.SUCCESS_2XX);
    assertThat(flow.storeFailurePolicy()).isEqualTo(StoreFailurePolicy.FAIL_CLOSED);
    assertThat(flow.storeFailureRetryAfter()).hasSeconds(30);
    assertThat(flow.costRules().costOf("POST", "/api/reports/9")).isEqualTo(5);
    assertThat(flow.costRules().costOf("GET", "/health")).isZero();
    assertThat(flow.costRules().costOf("GET", "/api/items")).isEqualTo(2);
    assertThat(flow.problems().type("quota-exceeded").toString())
        .isEqualTo("https://api.example.com/problems/quota-exceeded");
    ApiBilling billing = flow.billing();
    assertThat(billing.historyZone().getId()).isEqualTo("Europe/Berlin");
    assertThat(billing.clientQuotas("acme").orElseThrow()).hasSize(1);
    assertThat(billing.clientQuotas("anyone-else").orElseThrow()).hasSize(2);

    filter.destroy();
    assertThat(context.getAttribute(RequestBilling.CONTEXT_ATTRIBUTE)).isNull();
    assertThat(context.getAttribute(ApiBillingFilter.BILLING_CONTEXT_ATTRIBUTE)).isNull();
    assertThatThrownBy(filter::flow).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void programmaticFilterRejectsInitParamsItWouldIgnore() {
    ApiBilling billing = ApiBilling.builder().build();
    RequestBilling flow = RequestBilling.builder(billing).clientResolver(ClientResolver.principal()).build();
    ApiBillingFilter filter = new ApiBillingFilter(flow);
    assertThatThrownBy(() -> filter.init(config(Map.of("charge-policy", "always"), context())))
        .hasMessageContaining("init-param 'charge-policy' is not used");
    billing.close();
  }

  @Test
  void deprecatedInitParamsKeepWorkingAndWarnWithTheNameNow() throws Exception {
    Map<String, String> params = valid();
    params.put("default-cost", "2");
    params.put("costs", "POST /api/** = 3");
    params.put("store-failure", "fail-closed");
    params.put("on-quota-exceeded", "throw");
    params.put("cors-preflight", "billed");
    params.put("event-metadata-headers", "X-Workflow-Id");
    params.put("api-key-header", "X-Key");
    params.put("api-key-bearer", "false");
    ApiBillingFilter filter = new ApiBillingFilter();
    try (LogCapture log = new LogCapture(ApiBillingFilter.class)) {
      filter.init(config(params, context()));

      assertThat(log.records.stream().filter(r -> r.getLevel() == java.util.logging.Level.WARNING)
          .map(java.util.logging.LogRecord::getMessage)).containsExactlyInAnyOrder(
          "init-param 'default-cost' of ApiBillingFilter 'billing' is deprecated; name it 'default-credits'",
          "init-param 'costs' of ApiBillingFilter 'billing' is deprecated; name it 'cost-rules'",
          "init-param 'store-failure' of ApiBillingFilter 'billing' is deprecated; name it 'store-failure-policy'",
          "init-param 'on-quota-exceeded' of ApiBillingFilter 'billing' is deprecated; name it "
              + "'throw-on-quota-exceeded' (true for throw, false for respond)",
          "init-param 'cors-preflight' of ApiBillingFilter 'billing' is deprecated; name it "
              + "'bill-cors-preflight' (true for billed, false for free)",
          "init-param 'event-metadata-headers' of ApiBillingFilter 'billing' is deprecated; name it "
              + "'metadata-headers'",
          "init-param 'api-key-header' of ApiBillingFilter 'billing' is deprecated; name it 'api-key.header'",
          "init-param 'api-key-bearer' of ApiBillingFilter 'billing' is deprecated; name it 'api-key.bearer'");
      assertSettings(filter.flow());
      assertThat(filter.flow().clientResolver()).hasToString("api-key(X-Key)");
    } finally {
      filter.destroy();
    }
  }

  @Test
  void initParamsNamedAsTheBuilderSettingsConfigureTheSameFlow() throws Exception {
    Map<String, String> params = valid();
    params.put("default-credits", "2");
    params.put("cost-rules", "POST /api/** = 3");
    params.put("store-failure-policy", "fail-closed");
    params.put("throw-on-quota-exceeded", "true");
    params.put("bill-cors-preflight", "true");
    params.put("metadata-headers", "X-Workflow-Id");
    ApiBillingFilter filter = new ApiBillingFilter();
    try (LogCapture log = new LogCapture(ApiBillingFilter.class)) {
      filter.init(config(params, context()));

      assertThat(log.records).noneMatch(r -> r.getLevel() == java.util.logging.Level.WARNING);
      assertSettings(filter.flow());
    } finally {
      filter.destroy();
    }
  }

  private static void assertSettings(RequestBilling flow) {
    assertThat(flow.costRules().defaultCredits()).isEqualTo(2);
    assertThat(flow.costRules().match("POST", "/api/reports").credits()).isEqualTo(3);
    assertThat(flow.storeFailurePolicy()).isEqualTo(StoreFailurePolicy.FAIL_CLOSED);
    assertThat(flow.throwsOnQuotaExceeded()).isTrue();
    assertThat(flow.billsCorsPreflight()).isTrue();
    assertThat(flow.metadataHeaders()).containsExactly("X-Workflow-Id");
  }

  @Test
  void deprecatedAndNewNameOfOneSettingTogetherStopInit() {
    Map<String, String> params = valid();
    params.put("costs", "POST /api/** = 3");
    params.put("cost-rules", "POST /api/** = 4");

    assertThatThrownBy(() -> new ApiBillingFilter().init(config(params, context())))
        .isInstanceOf(ServletException.class)
        .hasMessage("init-param 'costs' is the deprecated name of 'cost-rules'; give only 'cost-rules'");
  }

  @Test
  void errorOfADeprecatedInitParamNamesItAsWritten() {
    Map<String, String> params = valid();
    params.put("default-cost", "-1");

    assertThatThrownBy(() -> new ApiBillingFilter().init(config(params, context())))
        .isInstanceOf(ServletException.class)
        .hasMessage("init-param 'default-cost': default credits must be >= 0 and <= 9007199254740991 but was -1");
  }

  @Test
  void programmaticFilterLogsItsSettingsAtInit() throws Exception {
    ApiBilling billing = ApiBilling.builder().build();
    RequestBilling flow = RequestBilling.builder(billing).clientResolver(ClientResolver.principal())
        .costRules(CostRules.parse(0, "POST /api/** = 2")).headerStyle(HeaderStyle.LEGACY)
        .billCorsPreflight(true).build();
    try (LogCapture log = new LogCapture(ApiBillingFilter.class)) {
      new ApiBillingFilter(flow).init(config(Map.of(), context()));

      assertThat(log.records).singleElement().satisfies(r -> assertThat(r.getMessage()).isEqualTo(
          "ApiBillingFilter 'billing' started: configured programmatically, resolver=principal,"
              + " costs=1 rules (default 0), header-style=legacy, charge-policy=below-500,"
              + " store-failure-policy=fail-open, bill-cors-preflight=true"));
    } finally {
      billing.close();
    }
  }
}
