package dev.apibilling.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.memory.InMemoryUsageStore;
import org.junit.jupiter.api.Test;

final class UsageStoresTest {

  @Test
  void memoryOpensANewInMemoryStore() {
    try (UsageStore a = UsageStores.open("memory"); UsageStore b = UsageStores.open(" memory: ")) {
      assertThat(a).isInstanceOf(InMemoryUsageStore.class).isNotSameAs(b);
    }
  }

  @Test
  void urlWithoutAProviderNamesTheSchemeAndTheModulesToAdd() {
    assertThatThrownBy(() -> UsageStores.open("mongodb://db:27017/usage"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("no usage store supports 'mongodb:' URLs; use 'memory', 'redis://'");
  }

  @Test
  void redactedUrlHasNoCredentialsOrParameters() {
    assertThat(UsageStores.redacted("memory")).isEqualTo("memory");
    assertThat(UsageStores.redacted("redis://:secret@127.0.0.1:6379/0?keyPrefix=x:"))
        .isEqualTo("redis://127.0.0.1:6379/0");
    assertThat(UsageStores.redacted("jdbc:postgresql://127.0.0.1:5432/test?user=postgres&password=pw"))
        .isEqualTo("jdbc:postgresql://127.0.0.1:5432/test");
    assertThat(UsageStores.redacted("jdbc:h2:file:./usage;PASSWORD=pw")).isEqualTo("jdbc:h2:file:./usage");
  }
}
