package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.StoreFaultContract;
import dev.apibilling.tck.TcpProxy;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fault suite on the machine's MariaDB, through a proxy: the store's own pool and default deadline. */
final class MariaDbFaultTest extends StoreFaultContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onMariaDb();

  @Override
  protected String storeName() {
    return "MariaDB";
  }

  @Override
  protected TcpProxy proxy() throws Exception {
    return TcpProxy.to(Databases.host(TABLES.url()), Databases.port(TABLES.url(), 3306));
  }

  @Override
  protected UsageStore openThrough(int proxyPort) {
    return JdbcUsageStore.builder(Databases.via(TABLES.url(), "127.0.0.1", proxyPort))
        .tablePrefix(TABLES.prefix()).createSchema(true).build();
  }
}
