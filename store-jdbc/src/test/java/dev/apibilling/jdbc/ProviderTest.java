package dev.apibilling.jdbc;

import static dev.apibilling.QuotaDuration.DAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreProvider;
import dev.apibilling.spi.UsageStores;
import dev.apibilling.tck.MutableClock;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** {@code UsageStores.open("jdbc:...")} finds the provider; bad URLs are illegal arguments, not store failures. */
final class ProviderTest {

  @Test
  void providerIsRegisteredForJdbcUrls() {
    assertThat(ServiceLoader.load(UsageStoreProvider.class).stream().map(ServiceLoader.Provider::type))
        .contains(JdbcUsageStoreProvider.class);
    JdbcUsageStoreProvider provider = new JdbcUsageStoreProvider();
    assertThat(provider.supports("jdbc:h2:mem:x")).isTrue();
    assertThat(provider.supports("JDBC:postgresql://h/db")).isTrue();
    assertThat(provider.supports("redis://127.0.0.1:6379")).isFalse();
  }

  @Test
  void opensAnH2StoreFromItsUrl() {
    try (UsageStore store = UsageStores.open(Databases.h2Url());
        ApiBilling billing = ApiBilling.builder().store(store).clock(MutableClock.at("2026-03-10T10:15:30Z")).build()) {
      assertThat(store).isInstanceOf(JdbcUsageStore.class);
      assertThat(((JdbcUsageStore) store).dialect()).isEqualTo(JdbcDialect.H2);
      assertThat(((JdbcUsageStore) store).tablePrefix()).isEqualTo("apibilling_");
      billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10)));
      assertThat(billing.trackClientUsage("acme", 4).lowest().remaining()).isEqualTo(6);
    }
  }

  @Test
  void opensMariaDbThroughAMysqlUrl() {
    String url = Databases.mariadb().replaceFirst("^jdbc:mariadb:", "jdbc:mysql:");
    String prefix = Databases.uniquePrefix();
    try (JdbcUsageStore store = JdbcUsageStore.builder(url).tablePrefix(prefix).createSchema(true).poolSize(1).build()) {
      assertThat(store.dialect()).isEqualTo(JdbcDialect.MARIADB);
      store.dropSchema();
    }
  }

  @Test
  void malformedOrUnsupportedUrlIsAnIllegalArgument() {
    assertThatThrownBy(() -> UsageStores.open("jdbc:postgresql://127.0.0.1:notaport/test"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed");
    assertThatThrownBy(() -> UsageStores.open("jdbc:oracle:thin:@//db:1521/x?password=secret"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jdbc:postgresql:, jdbc:mariadb:, jdbc:mysql: or jdbc:h2:")
        .hasMessageContaining("password=***")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> UsageStores.open("jdbc:h2:mem:x;NO_SUCH_SETTING=1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed");
    assertThatThrownBy(() -> JdbcUsageStore.builder("jdbc:h2"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
