/**
 * Spring MVC integration: {@link dev.apibilling.spring.Billed} on controllers, cost functions, and the
 * interceptor and exception resolver that bill requests and turn quota errors into 429 responses.
 */
@NullMarked
package dev.apibilling.spring;

import org.jspecify.annotations.NullMarked;
