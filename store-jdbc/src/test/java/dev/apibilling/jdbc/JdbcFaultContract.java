package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.StoreFaultContract;
import dev.apibilling.tck.TcpProxy;

/** The fault suite on one of the machine's databases, through a proxy: the store's own pool and default deadline. */
abstract class JdbcFaultContract extends StoreFaultContract {

  private final TestTables tables;
  private final String name;
  private final int defaultPort;

  JdbcFaultContract(TestTables tables, String name, int defaultPort) {
    this.tables = tables;
    this.name = name;
    this.defaultPort = defaultPort;
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
    return JdbcUsageStore.builder(Databases.via(tables.url(), "127.0.0.1", proxyPort))
        .tablePrefix(tables.prefix()).createSchema(true).build();
  }
}
