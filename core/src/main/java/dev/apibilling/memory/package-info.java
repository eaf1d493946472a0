/** The in-memory {@link dev.apibilling.spi.UsageStore}, the default when no store is configured. */
@NullMarked
package dev.apibilling.memory;

import org.jspecify.annotations.NullMarked;
