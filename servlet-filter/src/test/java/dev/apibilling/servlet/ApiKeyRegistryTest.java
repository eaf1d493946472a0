package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

final class ApiKeyRegistryTest {

  @Test
  void plainAndHashedKeysFindTheirClient() {
    ApiKeyRegistry keys = ApiKeyRegistry.parse("""
        # comment
        k1 = acme
        base64+key/with==padding = globex, %s = initech
        """.formatted(ApiKeyRegistry.sha256Of("hashed-key")));

    assertThat(keys.clientOf("k1")).isEqualTo("acme");
    assertThat(keys.clientOf("base64+key/with==padding")).isEqualTo("globex");
    assertThat(keys.clientOf("hashed-key")).isEqualTo("initech");
    assertThat(keys.clientOf("k2")).isNull();
    assertThat(keys.clientOf("K1")).isNull();
    assertThat(keys.clientOf(ApiKeyRegistry.sha256Of("hashed-key")))
        .as("the stored hash is not itself a key").isNull();
    assertThat(keys.toString()).isEqualTo("ApiKeyRegistry{3 keys}");
  }

  @Test
  void sha256FormIsLowercaseHexOfUtf8() {
    assertThat(ApiKeyRegistry.sha256Of("abc"))
        .isEqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(ApiKeyRegistry.of(Map.of("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", "c"))
        .clientOf("abc")).isEqualTo("c");
  }

  @Test
  void malformedEntriesAreRejectedWithoutRevealingKeys() {
    assertThatThrownBy(() -> ApiKeyRegistry.parse("secret-one = a, secret-one = b"))
        .hasMessage("api key entry 2 (client 'b') repeats a key given before");
    assertThatThrownBy(() -> ApiKeyRegistry.parse("sha256:abcd = a"))
        .hasMessageContaining("64 hex digits").hasMessageNotContaining("abcd");
    assertThatThrownBy(() -> ApiKeyRegistry.parse("secret-two = "))
        .hasMessageContaining("api key entry 1").hasMessageNotContaining("secret-two");
  }

  @Test
  void resolverReadsHeaderThenBearerAndRefusesOversizedKeys() {
    ClientResolver r = ClientResolver.apiKey(ApiKeyRegistry.parse("k1 = acme"), "X-Key", false);
    assertThat(r.toString()).isEqualTo("api-key(X-Key)");
    assertThatThrownBy(() -> ClientResolver.apiKey(ApiKeyRegistry.parse("k1 = acme"), "X Key", true))
        .hasMessageContaining("header name");
  }

  @Test
  void everyKeyOfALargeRegistryFindsItsClientAndNoOtherKeyDoes() {
    Map<String, String> keysToClients = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      keysToClients.put("key-" + i, "client-" + i);
    }
    ApiKeyRegistry keys = ApiKeyRegistry.of(keysToClients);

    for (int i = 0; i < 1000; i++) {
      assertThat(keys.clientOf("key-" + i)).isEqualTo("client-" + i);
      assertThat(keys.clientOf("key-" + (i + 1000))).isNull();
    }
    assertThat(ApiKeyRegistry.of(Map.of()).clientOf("key-1")).isNull();
  }

  @Test
  void nonAsciiAndLongKeysAreHashedAsUtf8() {
    String longKey = "k".repeat(129);
    String accented = "cl\u00e9-\u20ac";
    ApiKeyRegistry keys = ApiKeyRegistry.of(Map.of(longKey, "long", accented, "accented",
        ApiKeyRegistry.sha256Of("\u00e9t\u00e9"), "summer"));

    assertThat(keys.clientOf(longKey)).isEqualTo("long");
    assertThat(keys.clientOf(longKey.substring(1))).isNull();
    assertThat(keys.clientOf(accented)).isEqualTo("accented");
    assertThat(keys.clientOf("\u00e9t\u00e9")).isEqualTo("summer");
    assertThat(keys.clientOf("ete")).isNull();
  }

  @Test
  void concurrentLookupsEachGetTheirOwnClient() throws Exception {
    Map<String, String> keysToClients = new HashMap<>();
    for (int i = 0; i < 64; i++) {
      keysToClients.put("key-" + i, "client-" + i);
    }
    ApiKeyRegistry keys = ApiKeyRegistry.of(keysToClients);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Callable<Integer>> tasks = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int thread = t;
        tasks.add(() -> {
          int wrong = 0;
          for (int n = 0; n < 2000; n++) {
            int i = (n * 7 + thread) % 80; // 64 known keys and 16 unknown ones
            String expected = i < 64 ? "client-" + i : null;
            if (!java.util.Objects.equals(keys.clientOf("key-" + i), expected)) {
              wrong++;
            }
          }
          return wrong;
        });
      }
      for (Future<Integer> f : pool.invokeAll(tasks)) {
        assertThat(f.get()).isZero();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
