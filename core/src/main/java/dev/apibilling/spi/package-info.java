/**
 * The storage SPI: what a backend implements so that {@link dev.apibilling.ApiBilling} can keep exact
 * usage in it. One decision is one call to {@link dev.apibilling.spi.UsageStore#charge}; stores see only
 * plain values (client id, policy name, window bounds in epoch milliseconds, limits, epoch days), never
 * calendar arithmetic.
 */
@NullMarked
package dev.apibilling.spi;

import org.jspecify.annotations.NullMarked;
