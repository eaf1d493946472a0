package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.SettingException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every init-param of a builder setting is the builder's name in kebab-case, so the names cannot drift. */
final class InitParamNamesTest {

  /** Settings of the flow's builder given as objects, which web.xml gives in another form. */
  private static final Set<String> OBJECT_FORMS = Set.of("problems"); // web.xml: problem-type-base

  @Test
  void everySettingOfTheRequestFlowIsAnInitParamOfTheSameName() {
    assertThat(setters(RequestBilling.Builder.class).filter(s -> !OBJECT_FORMS.contains(s))
        .map(SettingException::kebabCase)).allMatch(FilterSettings.NAMES::contains).isNotEmpty();
  }

  @Test
  void billingSettingsInWebXmlAreNamedAsTheBillingBuilderNamesThem() {
    List<String> billing = setters(ApiBilling.Builder.class).map(SettingException::kebabCase).toList();
    assertThat(billing).contains(FilterSettings.STORE, FilterSettings.HISTORY_ZONE, FilterSettings.IDEMPOTENCY_TTL,
        FilterSettings.RESERVATION_TTL, FilterSettings.USAGE_EVENTS, FilterSettings.EVENT_SOURCE);
  }

  /**
   * A setting that switches or parametrizes a builder method or factory is named GROUP.PART, as the
   * {@code apibilling.*} property is: the group is the method ({@code leases}, {@code apiKey}), the part
   * its parameter.
   */
  @Test
  void groupedSettingsAreNamedAfterTheMethodTheyConfigureAsTheirPropertiesAre() throws Exception {
    assertThat(setters(ApiBilling.Builder.class)).contains("leases");
    assertThat(FilterSettings.LEASES).isEqualTo("leases.enabled");
    assertThat(ClientResolver.class.getMethod("apiKey", ApiKeyRegistry.class, String.class, boolean.class))
        .isNotNull();
    assertThat(List.of(FilterSettings.API_KEY_HEADER, FilterSettings.API_KEY_BEARER))
        .containsExactly("api-key.header", "api-key.bearer");
    assertThat(List.of(FilterSettings.EXPORT_TO, FilterSettings.EXPORT_FILE, FilterSettings.EVENTS_BATCH_SIZE,
        FilterSettings.EVENTS_RETENTION))
        .containsExactly("events.export-to", "events.export-file", "events.batch-size", "events.retention");
    assertThat(FilterSettings.DEPRECATED).containsEntry("leases", FilterSettings.LEASES)
        .containsEntry("api-key-header", FilterSettings.API_KEY_HEADER)
        .containsEntry("api-key-bearer", FilterSettings.API_KEY_BEARER)
        .containsEntry("export-to", FilterSettings.EXPORT_TO)
        .containsEntry("export-file", FilterSettings.EXPORT_FILE);
  }

  @Test
  void deprecatedNamesLeadToCurrentOnes() {
    assertThat(FilterSettings.DEPRECATED.values()).allMatch(FilterSettings.NAMES::contains);
    assertThat(FilterSettings.DEPRECATED.keySet()).noneMatch(FilterSettings.NAMES::contains);
  }

  /** The public methods of a builder that set something and return the builder. */
  private static Stream<String> setters(Class<?> builder) {
    return Stream.of(builder.getDeclaredMethods())
        .filter(m -> Modifier.isPublic(m.getModifiers()) && m.getReturnType() == builder && m.getParameterCount() == 1)
        .map(Method::getName);
  }
}
