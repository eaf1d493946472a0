/**
 * The Spring Boot demo: the same keys, quotas and endpoints as the Jetty demo, billed with {@code @Billed}
 * controllers and configured by {@code apibilling.*} properties. Start it with
 * {@code java -jar apibilling-samples-spring.jar}.
 */
@NullMarked
package dev.apibilling.samples.spring;

import org.jspecify.annotations.NullMarked;
