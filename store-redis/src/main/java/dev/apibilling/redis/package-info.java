/**
 * The Redis {@link dev.apibilling.spi.UsageStore} on Lettuce: start at
 * {@link dev.apibilling.redis.RedisUsageStore}, or open it by URL with
 * {@code UsageStores.open("redis://...")}.
 */
@NullMarked
package dev.apibilling.redis;

import org.jspecify.annotations.NullMarked;
