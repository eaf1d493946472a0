package dev.apibilling.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.servlet.RequestBilling;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every property of a builder setting is the builder's name (Spring binds it in kebab-case), so the names of
 * web.xml, properties and code cannot drift apart.
 */
final class PropertyNamesTest {

  private static final List<String> PROPERTIES =
      Stream.of(ApiBillingProperties.class.getRecordComponents()).map(RecordComponent::getName).toList();

  @Test
  void everySettingOfTheRequestFlowIsAPropertyOfTheSameName() {
    Set<String> objectForms = Set.of("problems"); // the property is problem-type-base
    assertThat(setters(RequestBilling.Builder.class).filter(s -> !objectForms.contains(s)))
        .isNotEmpty().allMatch(PROPERTIES::contains);
  }

  @Test
  void billingSettingsAmongThePropertiesAreNamedAsTheBillingBuilderNamesThem() {
    assertThat(setters(ApiBilling.Builder.class).toList()).contains("store", "historyZone", "idempotencyTtl",
        "reservationTtl", "thresholds", "usageEvents", "eventSource");
    assertThat(PROPERTIES).contains("store", "historyZone", "idempotencyTtl", "reservationTtl", "thresholds",
        "usageEvents", "eventSource");
  }

  private static Stream<String> setters(Class<?> builder) {
    return Stream.of(builder.getDeclaredMethods())
        .filter(m -> Modifier.isPublic(m.getModifiers()) && m.getReturnType() == builder && m.getParameterCount() == 1)
        .map(m -> m.getName());
  }
}
