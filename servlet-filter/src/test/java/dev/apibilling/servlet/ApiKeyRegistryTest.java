package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
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
}
