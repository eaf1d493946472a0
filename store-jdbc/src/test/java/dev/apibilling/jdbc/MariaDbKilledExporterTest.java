package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.KilledExporterContract;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code kill -9} of an exporting process on the machine's MariaDB loses no event. */
final class MariaDbKilledExporterTest extends KilledExporterContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onMariaDb();

  @Override
  protected UsageStore newStore() {
    return TABLES.open();
  }

  @Override
  protected Class<?> exporterMain() {
    return MariaDbKilledExporterTest.class;
  }

  @Override
  protected List<String> exporterArgs() {
    return List.of(TABLES.url(), TABLES.prefix());
  }

  /** The exporting process: {@code <jdbc url> <table prefix> <receiver uri>}. */
  public static void main(String[] args) throws InterruptedException {
    UsageStore store = JdbcUsageStore.builder(args[0]).tablePrefix(args[1]).poolSize(2).build();
    exportForever(store, URI.create(args[2]));
  }
}
