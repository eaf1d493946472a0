/**
 * Spring Boot auto-configuration of apibilling: the {@code apibilling.*} properties and the beans they
 * configure. See {@link dev.apibilling.spring.boot.ApiBillingAutoConfiguration}.
 */
@NullMarked
package dev.apibilling.spring.boot;

import org.jspecify.annotations.NullMarked;
