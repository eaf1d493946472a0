package dev.apibilling.servlet;

import dev.apibilling.ApiBilling;
import dev.apibilling.LeaseSettings;
import dev.apibilling.QuotaPlans;
import dev.apibilling.Requirements;
import dev.apibilling.SettingException;
import dev.apibilling.events.EventSink;
import dev.apibilling.events.UsageEventExporter;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.UsageStores;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** Reads {@link ApiBillingFilter}'s init-params into a billing and a request flow. */
final class FilterSettings {

  static final String STORE = "store";
  static final String PLANS = "plans";
  static final String DEFAULT_PLAN = "default-plan";
  static final String CLIENTS = "clients";
  static final String QUOTAS_FILE = "quotas-file";
  static final String CLIENT_RESOLVER = "client-resolver";
  static final String API_KEYS = "api-keys";
  static final String API_KEYS_FILE = "api-keys-file";
  static final String API_KEY_HEADER = "api-key.header";
  static final String API_KEY_BEARER = "api-key.bearer";
  static final String DEFAULT_CREDITS = "default-credits";
  static final String COST_RULES = "cost-rules";
  static final String HEADER_STYLE = "header-style";
  static final String CHARGE_POLICY = "charge-policy";
  static final String STORE_FAILURE_POLICY = "store-failure-policy";
  static final String STORE_FAILURE_RETRY_AFTER = "store-failure-retry-after";
  static final String FAILURE_LOG_INTERVAL = "failure-log-interval";
  static final String THROW_ON_QUOTA_EXCEEDED = "throw-on-quota-exceeded";
  static final String BILL_CORS_PREFLIGHT = "bill-cors-preflight";
  static final String IDEMPOTENCY_TTL = "idempotency-ttl";
  static final String RESERVATION_TTL = "reservation-ttl";
  static final String LEASES = "leases.enabled";
  static final String HISTORY_ZONE = "history-zone";
  static final String PROBLEM_TYPE_BASE = "problem-type-base";
  static final String CONTEXT_ATTRIBUTE = "context-attribute";
  static final String USAGE_EVENTS = "usage-events";
  static final String EVENT_SOURCE = "event-source";
  static final String METADATA_HEADERS = "metadata-headers";
  static final String EXPORT_TO = "events.export-to";
  static final String EXPORT_FILE = "events.export-file";
  static final String EVENTS_BATCH_SIZE = "events.batch-size";
  static final String EVENTS_RETENTION = "events.retention";
  static final String OPERATION_ATTRIBUTE = "operation-attribute";
  static final String RESOLVER_PREFIX = "resolver.";

  static final List<String> NAMES = List.of(STORE, PLANS, DEFAULT_PLAN, CLIENTS, QUOTAS_FILE,
      CLIENT_RESOLVER, API_KEYS, API_KEYS_FILE, API_KEY_HEADER, API_KEY_BEARER, DEFAULT_CREDITS, COST_RULES,
      HEADER_STYLE, CHARGE_POLICY, STORE_FAILURE_POLICY, STORE_FAILURE_RETRY_AFTER, FAILURE_LOG_INTERVAL,
      THROW_ON_QUOTA_EXCEEDED, BILL_CORS_PREFLIGHT, IDEMPOTENCY_TTL, RESERVATION_TTL, LEASES, HISTORY_ZONE,
      PROBLEM_TYPE_BASE, CONTEXT_ATTRIBUTE, USAGE_EVENTS, EVENT_SOURCE, METADATA_HEADERS, EXPORT_TO, EXPORT_FILE,
      EVENTS_BATCH_SIZE, EVENTS_RETENTION, OPERATION_ATTRIBUTE);

  /**
   * Deprecated init-params, each the old name of a setting (value: its name now). They keep working, with a
   * warning at {@code init}; {@code on-quota-exceeded} ({@code respond}/{@code throw}) and
   * {@code cors-preflight} ({@code free}/{@code billed}) keep their old values too.
   */
  static final Map<String, String> DEPRECATED = Map.ofEntries(
      Map.entry("default-cost", DEFAULT_CREDITS),
      Map.entry("costs", COST_RULES),
      Map.entry("store-failure", STORE_FAILURE_POLICY),
      Map.entry("on-quota-exceeded", THROW_ON_QUOTA_EXCEEDED),
      Map.entry("cors-preflight", BILL_CORS_PREFLIGHT),
      Map.entry("event-metadata-headers", METADATA_HEADERS),
      Map.entry("api-key-header", API_KEY_HEADER),
      Map.entry("api-key-bearer", API_KEY_BEARER),
      Map.entry("leases", LEASES),
      Map.entry("export-to", EXPORT_TO),
      Map.entry("export-file", EXPORT_FILE));

  private static final System.Logger LOG = System.getLogger(ApiBillingFilter.class.getName());

  /**
   * What init built: the flow, the billing, store and usage-event exporter the filter owns and closes, and
   * the effective settings in one line for the log (store URL redacted).
   */
  record Built(RequestBilling flow, ApiBilling billing, UsageStore store, String summary,
      @Nullable UsageEventExporter exporter) {}

  /**
   * The effective settings of {@code flow} in one log line.
   *
   * @param origin where the quotas and store come from, e.g. {@code store=memory, plans=2, clients=5}
   */
  static String summary(String filterName, String origin, RequestBilling flow) {
    return "ApiBillingFilter '" + filterName + "' started: " + origin + ", resolver=" + flow.clientResolver()
        + ", costs=" + flow.costRules().rules().size() + " rules (default " + flow.costRules().defaultCredits()
        + "), header-style=" + flow.headerStyle() + ", charge-policy=" + flow.chargePolicy()
        + ", store-failure-policy=" + flow.storeFailurePolicy() + ", bill-cors-preflight="
        + flow.billsCorsPreflight();
  }

  /** The init-params as written (a custom resolver sees these). */
  private final Map<String, String> params;
  /** The init-params by the names of their settings (a deprecated name replaced by the name now). */
  private final Map<String, String> settings = new LinkedHashMap<>();
  /** The name each setting was written under, where that is a deprecated one. */
  private final Map<String, String> writtenAs = new LinkedHashMap<>();
  private final FilterConfig config;
  private final ServletContext context;

  private FilterSettings(Map<String, String> params, FilterConfig config) {
    this.params = params;
    this.config = config;
    this.context = config.getServletContext();
  }

  static Map<String, String> params(FilterConfig config) {
    Map<String, String> params = new LinkedHashMap<>();
    Enumeration<String> names = config.getInitParameterNames();
    if (names != null) {
      for (String name : Collections.list(names)) {
        String value = config.getInitParameter(name);
        params.put(name, value == null ? "" : value);
      }
    }
    return params;
  }

  /** The context attribute the filter publishes its flow under. */
  static String contextAttribute(Map<String, String> params) throws ServletException {
    String name = params.get(CONTEXT_ATTRIBUTE);
    if (name == null) {
      return RequestBilling.CONTEXT_ATTRIBUTE;
    }
    if (name.isBlank()) {
      throw new ServletException("init-param '" + CONTEXT_ATTRIBUTE + "' must not be blank");
    }
    return name.trim();
  }

  static Built build(FilterConfig config) throws ServletException {
    return new FilterSettings(params(config), config).build();
  }

  private Built build() throws ServletException {
    for (Map.Entry<String, String> param : params.entrySet()) {
      String name = param.getKey();
      String setting = DEPRECATED.getOrDefault(name, name);
      if (!NAMES.contains(setting) && !name.startsWith(RESOLVER_PREFIX)) {
        throw new ServletException("unknown init-param '" + name + "' of ApiBillingFilter; known: " + NAMES
            + " and " + RESOLVER_PREFIX + "* for a custom client resolver");
      }
      if (!setting.equals(name)) {
        if (params.containsKey(setting)) {
          throw new ServletException("init-param '" + name + "' is the deprecated name of '" + setting
              + "'; give only '" + setting + "'");
        }
        writtenAs.put(setting, name);
        LOG.log(System.Logger.Level.WARNING, "init-param '" + name + "' of ApiBillingFilter '"
            + config.getFilterName() + "' is deprecated; name it '" + setting + "'"
            + (name.equals("on-quota-exceeded") ? " (true for throw, false for respond)"
                : name.equals("cors-preflight") ? " (true for billed, false for free)" : ""));
      }
      settings.put(setting, param.getValue());
    }
    // Everything that can be wrong is checked before the store is opened.
    QuotaPlans plans = quotas();
    ClientResolver resolver = resolver();
    long defaultCredits = defaultCredits();
    CostRules costs = parse(COST_RULES, "", text -> CostRules.parse(defaultCredits, text));
    HeaderStyle style = parse(HEADER_STYLE, "both", HeaderStyle::parse);
    ChargePolicy charge = parse(CHARGE_POLICY, "below-500", ChargePolicy::parse);
    StoreFailurePolicy failure = parse(STORE_FAILURE_POLICY, "fail-open", StoreFailurePolicy::parse);
    Duration retryAfter = duration(STORE_FAILURE_RETRY_AFTER, "storeFailureRetryAfter", "5");
    Duration logInterval = duration(FAILURE_LOG_INTERVAL, "failureLogInterval", "60");
    boolean throwOnQuota = parse(THROW_ON_QUOTA_EXCEEDED, "false", t -> !writtenAs.containsKey(THROW_ON_QUOTA_EXCEEDED)
        ? bool(t) : switch (t.trim().toLowerCase(Locale.ROOT)) {
          case "respond" -> false;
          case "throw" -> true;
          default -> throw new IllegalArgumentException("must be 'respond' or 'throw' but was '" + t.trim() + "'");
        });
    boolean billPreflight = parse(BILL_CORS_PREFLIGHT, "false", t -> !writtenAs.containsKey(BILL_CORS_PREFLIGHT)
        ? bool(t) : switch (t.trim().toLowerCase(Locale.ROOT)) {
          case "free" -> false;
          case "billed" -> true;
          default -> throw new IllegalArgumentException("must be 'free' or 'billed' but was '" + t.trim() + "'");
        });
    Duration idempotencyTtl = duration(IDEMPOTENCY_TTL, "idempotencyTtl", "PT24H");
    Duration reservationTtl = duration(RESERVATION_TTL, "reservationTtl", "PT30S");
    boolean leases = parse(LEASES, "false", FilterSettings::bool);
    ZoneId zone = parse(HISTORY_ZONE, "UTC", t -> {
      try {
        return ZoneId.of(t.trim());
      } catch (DateTimeException e) {
        throw new IllegalArgumentException("must be a zone id like UTC or Europe/Berlin but was '" + t.trim() + "'");
      }
    });
    BillingProblems problems = parse(PROBLEM_TYPE_BASE, BillingProblems.DEFAULT_TYPE_BASE,
        t -> BillingProblems.withTypeBase(t.trim()));
    EventSink sink = sink();
    boolean events = parse(USAGE_EVENTS, sink != null ? "true" : "false", FilterSettings::bool);
    if (sink != null && !events) {
      throw new ServletException("init-param '" + written(USAGE_EVENTS) + "' is false, but '" + written(EXPORT_TO)
          + "' or '" + written(EXPORT_FILE) + "' exports usage events: drop one or the other");
    }
    if (leases && events) {
      throw new ServletException("init-param '" + written(LEASES) + "' is true, but usage events are on ('"
          + USAGE_EVENTS + "', '" + written(EXPORT_TO) + "' or '" + written(EXPORT_FILE)
          + "'): a decision made from a lease is not recorded as an "
          + "event; drop one or the other");
    }
    for (String exporterSetting : List.of(EVENTS_BATCH_SIZE, EVENTS_RETENTION)) {
      if (sink == null && settings.containsKey(exporterSetting)) {
        throw new ServletException("init-param '" + exporterSetting + "' is used only with '" + EXPORT_TO
            + "' or '" + EXPORT_FILE + "', and neither is set");
      }
    }
    Integer batchSize = settings.containsKey(EVENTS_BATCH_SIZE) ? parse(EVENTS_BATCH_SIZE, "", t -> {
      try {
        return Integer.parseInt(t.trim()); // its range is the exporter builder's rule
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("must be a whole number of events but was '" + t.trim() + "'");
      }
    }) : null;
    Duration retention = settings.containsKey(EVENTS_RETENTION)
        ? duration(EVENTS_RETENTION, "retention", "") : null;
    String source = parse(EVENT_SOURCE, "", t -> t.isBlank() ? "" : Requirements.eventSource(t.trim()));
    List<String> headers = parse(METADATA_HEADERS, "", t -> Arrays.stream(t.split(","))
        .map(String::trim).filter(h -> !h.isEmpty()).toList());
    // checked by the flow's builder (a blank name is reported under this init-param)
    String operationAttribute = settings.getOrDefault(OPERATION_ATTRIBUTE, RequestBilling.QUOTA_OPERATION_ATTRIBUTE);

    String url = params.getOrDefault(STORE, "memory");
    UsageStore store;
    try {
      store = UsageStores.open(url.isBlank() ? "memory" : url);
    } catch (IllegalArgumentException e) {
      throw fail(STORE, e);
    } catch (UsageStoreException e) {
      throw new ServletException("init-param '" + STORE + "': the store cannot be reached: " + e.getMessage(), e);
    }
    try {
      ApiBilling.Builder settings = ApiBilling.builder()
          .store(store)
          .historyZone(zone)
          .idempotencyTtl(idempotencyTtl)
          .reservationTtl(reservationTtl)
          .usageEvents(events);
      if (!source.isEmpty()) {
        settings.eventSource(source);
      }
      if (leases) {
        settings.leases(LeaseSettings.defaults());
      }
      ApiBilling billing = plans.build(settings);
      RequestBilling flow = RequestBilling.builder(billing)
          .clientResolver(resolver)
          .costRules(costs)
          .headerStyle(style)
          .chargePolicy(charge)
          .storeFailurePolicy(failure)
          .storeFailureRetryAfter(retryAfter)
          .failureLogInterval(logInterval)
          .throwOnQuotaExceeded(throwOnQuota)
          .billCorsPreflight(billPreflight)
          .problems(problems)
          .metadataHeaders(headers)
          .operationAttribute(operationAttribute)
          .build();
      String origin = "store=" + UsageStores.redacted(url.isBlank() ? "memory" : url.trim())
          + ", plans=" + plans.plans().size() + ", clients=" + plans.clients().size()
          + ", default-plan=" + plans.defaultPlan().orElse("(none)");
      UsageEventExporter exporter = null;
      if (sink != null) {
        UsageEventExporter.Builder export = UsageEventExporter.builder(store, sink);
        if (batchSize != null) {
          export.batchSize(batchSize);
        }
        if (retention != null) {
          export.retention(retention);
        }
        exporter = export.build().start();
      }
      return new Built(flow, billing, store, summary(config.getFilterName(), origin, flow), exporter);
    } catch (SettingException e) {
      store.close();
      throw fail(e.setting().equals("batchSize") ? EVENTS_BATCH_SIZE : SettingException.kebabCase(e.setting()), e);
    } catch (RuntimeException e) {
      store.close();
      throw new ServletException("ApiBillingFilter settings are inconsistent: " + e.getMessage(), e);
    }
  }

  /** The sink of {@code events.export-to} or {@code events.export-file}, or null when neither is set. */
  private @Nullable EventSink sink() throws ServletException {
    String to = settings.get(EXPORT_TO);
    String file = settings.get(EXPORT_FILE);
    if (to != null && file != null) {
      throw new ServletException("init-params '" + written(EXPORT_TO) + "' and '" + written(EXPORT_FILE)
          + "' cannot be combined: usage events go to one sink");
    }
    if (to != null) {
      return parse(EXPORT_TO, "", t -> {
        try {
          return EventSink.cloudEventsHttp(URI.create(t.trim()));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("must be an http or https URL but was '" + t.trim() + "'", e);
        }
      });
    }
    if (file != null) {
      return parse(EXPORT_FILE, "", t -> {
        if (t.isBlank()) {
          throw new IllegalArgumentException("must be a file path but was blank");
        }
        return EventSink.jsonLines(Path.of(t.trim()));
      });
    }
    return null;
  }

  private long defaultCredits() throws ServletException {
    return parse(DEFAULT_CREDITS, "1", t -> {
      String text = t.trim();
      long credits;
      try {
        credits = Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("must be a whole number of credits >= 0 but was '" + text + "'");
      }
      return CostRules.of(credits).defaultCredits();
    });
  }

  private QuotaPlans quotas() throws ServletException {
    String file = params.get(QUOTAS_FILE);
    String plans = params.get(PLANS);
    if (file != null) {
      for (String inline : List.of(PLANS, DEFAULT_PLAN, CLIENTS)) {
        if (params.containsKey(inline)) {
          throw new ServletException("init-param '" + inline + "' cannot be combined with '" + QUOTAS_FILE
              + "': put the quotas in one place");
        }
      }
      return parse(QUOTAS_FILE, "", path -> {
        String text = read(path.trim());
        try {
          if (path.trim().toLowerCase(Locale.ROOT).endsWith(".json")) {
            return QuotaJson.read(text);
          }
          Properties p = new Properties();
          try {
            p.load(new StringReader(text));
          } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + path.trim() + "' is not a properties file: " + e.getMessage());
          }
          return QuotaPlans.fromProperties(p);
        } catch (SettingException e) {
          // the plans, clients or default plan of the file: an error of the file
          throw new IllegalArgumentException(e.getMessage(), e);
        }
      });
    }
    if (plans == null || plans.isBlank()) {
      throw new ServletException("init-param '" + PLANS + "' is missing: define the quotas with '" + PLANS
          + "' (e.g. 'free = day:500, month:10000') and '" + DEFAULT_PLAN + "' or '" + CLIENTS
          + "', or with '" + QUOTAS_FILE + "'");
    }
    try {
      return QuotaPlans.parse(plans, params.get(DEFAULT_PLAN), params.get(CLIENTS));
    } catch (IllegalArgumentException e) {
      // a SettingException names plans, clients or defaultPlan (fail reports it under that init-param)
      throw fail(PLANS, e);
    }
  }

  private ClientResolver resolver() throws ServletException {
    String kind = params.getOrDefault(CLIENT_RESOLVER, "api-key").trim();
    boolean apiKey = kind.equalsIgnoreCase("api-key");
    if (!apiKey) {
      for (String p : List.of(API_KEYS, API_KEYS_FILE, API_KEY_HEADER, API_KEY_BEARER)) {
        if (settings.containsKey(p)) {
          throw new ServletException("init-param '" + written(p) + "' is used only with " + CLIENT_RESOLVER
              + "=api-key, but " + CLIENT_RESOLVER + " is '" + kind + "'");
        }
      }
    }
    if (apiKey) {
      ApiKeyRegistry keys = keys();
      String header = settings.getOrDefault(API_KEY_HEADER, ApiKeyResolver.DEFAULT_HEADER).trim();
      boolean bearer = parse(API_KEY_BEARER, "true", FilterSettings::bool);
      return parse(API_KEY_HEADER, header, h -> ClientResolver.apiKey(keys, h.trim(), bearer));
    }
    if (kind.equalsIgnoreCase("principal")) {
      return ClientResolver.principal();
    }
    if (kind.isEmpty() || !kind.matches("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*")) {
      throw new ServletException("init-param '" + CLIENT_RESOLVER + "' must be 'api-key', 'principal' or the "
          + "name of a class implementing " + ClientResolver.class.getName() + " but was '" + kind + "'");
    }
    return customResolver(kind);
  }

  private ClientResolver customResolver(String className) throws ServletException {
    Class<?> type;
    try {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      type = Class.forName(className, true, loader != null ? loader : FilterSettings.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ServletException("init-param '" + CLIENT_RESOLVER + "': class '" + className
          + "' cannot be loaded: " + e, e);
    }
    if (!ClientResolver.class.isAssignableFrom(type)) {
      throw new ServletException("init-param '" + CLIENT_RESOLVER + "': class '" + className
          + "' does not implement " + ClientResolver.class.getName());
    }
    Map<String, String> view = Collections.unmodifiableMap(params);
    try {
      Constructor<?> withParams = null;
      try {
        withParams = type.getConstructor(Map.class);
      } catch (NoSuchMethodException none) {
        // use the no-argument constructor
      }
      Object resolver = withParams != null ? withParams.newInstance(view) : type.getConstructor().newInstance();
      return (ClientResolver) resolver;
    } catch (NoSuchMethodException e) {
      throw new ServletException("init-param '" + CLIENT_RESOLVER + "': class '" + className
          + "' needs a public constructor taking Map<String, String> (the init-params) or none");
    } catch (InvocationTargetException e) {
      throw new ServletException("init-param '" + CLIENT_RESOLVER + "': constructing '" + className
          + "' failed: " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new ServletException("init-param '" + CLIENT_RESOLVER + "': class '" + className
          + "' cannot be constructed: " + e, e);
    }
  }

  private ApiKeyRegistry keys() throws ServletException {
    String inline = params.get(API_KEYS);
    String file = params.get(API_KEYS_FILE);
    if (inline != null && file != null) {
      throw new ServletException("init-param '" + API_KEYS + "' cannot be combined with '" + API_KEYS_FILE
          + "': put the keys in one place");
    }
    if (inline == null && file == null) {
      throw new ServletException("init-param '" + API_KEYS_FILE + "' is missing: " + CLIENT_RESOLVER
          + "=api-key needs the keys, as a file of 'key = clientId' lines ('" + API_KEYS_FILE + "') or inline ('"
          + API_KEYS + "')");
    }
    if (inline != null) {
      return parse(API_KEYS, "", ApiKeyRegistry::parse);
    }
    return parse(API_KEYS_FILE, "", path -> ApiKeyRegistry.parse(read(path.trim())));
  }

  /**
   * The text of a file named by an init-param: {@code classpath:NAME}, {@code file:PATH}, or a path that
   * is tried as a web application resource ({@code /WEB-INF/...}) and then in the file system.
   */
  private String read(String path) {
    try {
      if (path.startsWith("classpath:")) {
        String name = path.substring("classpath:".length());
        name = name.startsWith("/") ? name.substring(1) : name;
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try (InputStream in = (loader != null ? loader : FilterSettings.class.getClassLoader()).getResourceAsStream(name)) {
          if (in == null) {
            throw new IllegalArgumentException("class path resource '" + name + "' not found");
          }
          return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
      if (path.startsWith("file:")) {
        return Files.readString(Path.of(path.substring("file:".length())));
      }
      if (path.startsWith("/")) {
        try (InputStream in = context.getResourceAsStream(path)) {
          if (in != null) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
          }
        }
      }
      Path file = Path.of(path);
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("'" + path + "' is neither a web application resource nor a file");
      }
      return Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("'" + path + "' cannot be read: " + e);
    }
  }

  /** A duration init-param, checked by core's rule for the builder's {@code setting} at once. */
  private Duration duration(String name, String setting, String fallback) throws ServletException {
    return parse(name, fallback, t -> {
      String text = t.trim();
      Duration d;
      try {
        d = text.matches("[0-9]+") ? Duration.ofSeconds(Long.parseLong(text)) : Duration.parse(text);
      } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
        throw new IllegalArgumentException(
            "must be whole seconds or an ISO-8601 duration like PT10M but was '" + text + "'");
      }
      return Requirements.positive(setting, d);
    });
  }

  private static boolean bool(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("true") || t.equals("false")) {
      return t.equals("true");
    }
    throw new IllegalArgumentException("must be true or false but was '" + text.trim() + "'");
  }

  /** The name setting {@code name} was written under in web.xml. */
  private String written(String name) {
    return writtenAs.getOrDefault(name, name);
  }

  private <T> T parse(String name, String fallback, Function<String, T> parser) throws ServletException {
    String value = settings.get(name);
    try {
      return parser.apply(value == null ? fallback : value);
    } catch (IllegalArgumentException e) {
      throw fail(name, e);
    }
  }

  /**
   * The error of init-param {@code name}; a {@link SettingException} names its setting itself (a rule
   * that guards another setting than the one being read, such as {@code default-credits} while reading
   * {@code cost-rules}, is reported under that one). The name is the one written in web.xml.
   */
  private ServletException fail(String name, IllegalArgumentException e) {
    String param = name;
    if (e instanceof SettingException s && NAMES.contains(SettingException.kebabCase(s.setting()))) {
      param = SettingException.kebabCase(s.setting());
    }
    String prefix = "init-param '" + written(param) + "'";
    if (e instanceof SettingException s) {
      return new ServletException(s.messageFor(prefix), e);
    }
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return new ServletException(message.startsWith(prefix) ? message : prefix + ": " + message, e);
  }
}
