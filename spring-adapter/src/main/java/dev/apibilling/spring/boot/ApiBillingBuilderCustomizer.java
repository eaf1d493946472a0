package dev.apibilling.spring.boot;

import dev.apibilling.ApiBilling;

/**
 * Adjusts the auto-configured {@link ApiBilling} before it is built, for settings the properties do not
 * cover (a custom listener, another cache TTL). Declare beans of this type; they run in {@code @Order}
 * after the properties are applied.
 */
@FunctionalInterface
public interface ApiBillingBuilderCustomizer {

  /** Changes settings of {@code builder}. */
  void customize(ApiBilling.Builder builder);
}
