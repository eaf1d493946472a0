package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.KilledExporterContract;
import java.net.URI;
import java.util.List;

/**
 * {@code kill -9} of an exporting process on one of the machine's databases loses no event: a subclass
 * names the database's tables (a static {@code @RegisterExtension} field it returns from {@link #tables}).
 */
abstract class JdbcKilledExporterTests extends KilledExporterContract {

  /** The test tables of the database under test. */
  protected abstract TestTables tables();

  @Override
  protected UsageStore newStore() {
    return tables().open();
  }

  @Override
  protected Class<?> exporterMain() {
    return JdbcKilledExporterTests.class;
  }

  @Override
  protected List<String> exporterArgs() {
    return List.of(tables().url(), tables().prefix());
  }

  /** The exporting process: {@code <jdbc url> <table prefix> <receiver uri>}. */
  public static void main(String[] args) throws InterruptedException {
    UsageStore store = JdbcUsageStore.builder(args[0]).tablePrefix(args[1]).poolSize(2).build();
    exportForever(store, URI.create(args[2]));
  }
}
