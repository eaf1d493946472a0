/**
 * The runnable demo: an embedded Jetty 12 serving a billed API through {@code ApiBillingFilter} declared in
 * a real {@code WEB-INF/web.xml}, and a usage page. Start it with {@code java -jar apibilling-samples.jar}.
 */
@NullMarked
package dev.apibilling.samples;

import org.jspecify.annotations.NullMarked;
