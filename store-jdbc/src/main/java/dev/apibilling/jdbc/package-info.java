/**
 * A {@link dev.apibilling.spi.UsageStore} on plain JDBC: {@link dev.apibilling.jdbc.JdbcUsageStore} for
 * PostgreSQL, MariaDB/MySQL and H2, and the provider that opens it from a {@code jdbc:} URL.
 */
@NullMarked
package dev.apibilling.jdbc;

import org.jspecify.annotations.NullMarked;
