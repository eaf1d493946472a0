package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.StoreFaultContract;
import dev.apibilling.tck.TcpProxy;
import org.jspecify.annotations.Nullable;

/** The fault suite on one of the machine's databases, through a proxy: the store's own pool and default deadline. */
abstract class JdbcFaultContract extends StoreFaultContract {

  private final TestTables tables;
  private final String name;
  private final int defaultPort;
  private final @Nullable JdbcDialect dialect;

  JdbcFaultContract(TestTables tables, String name, int defaultPort) {
    this(tables, name, defaultPort, null);
  }

  /** The suite with {@code dialect} instead of the one the URL implies (null: the URL's). */
  JdbcFaultContract(TestTables tables, String name, int defaultPort, @Nullable JdbcDialect dialect) {
    this.tables = tables;
    this.name = name;
    this.defaultPort = defaultPort;
    this.dialect = dialect;
  }

  @Override
  protected String storeName() {
    return name;
  }

  @Override
  protected TcpProxy proxy() throws Exception {
    return TcpProxy.to(Databases.host(tables.url()), Databases.port(tables.url(), defaultPort));
  }

  @Override
  protected UsageStore openThrough(int proxyPort) {
    JdbcUsageStore.Builder b = JdbcUsageStore.builder(Databases.via(tables.url(), "127.0.0.1", proxyPort))
        .tablePrefix(tables.prefix()).createSchema(true);
    if (dialect != null) {
      b.dialect(dialect);
    }
    return b.build();
  }
}
