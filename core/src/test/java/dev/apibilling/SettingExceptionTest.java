package dev.apibilling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import org.junit.jupiter.api.Test;

final class SettingExceptionTest {

  @Test
  void builderRuleNamesItsSettingAsData() {
    SettingException e = catchThrowableOfType(SettingException.class,
        () -> ApiBilling.builder().idempotencyTtl(Duration.ZERO));

    assertThat(e.setting()).isEqualTo("idempotencyTtl");
    assertThat(e).hasMessage("idempotencyTtl must be > 0 but was PT0S");
    assertThat(e.messageFor("apibilling.idempotency-ttl"))
        .isEqualTo("apibilling.idempotency-ttl must be > 0 but was PT0S");
  }

  @Test
  void thresholdsAreCheckedOnceInCoreAndNamed() {
    SettingException e = catchThrowableOfType(SettingException.class,
        () -> ApiBilling.builder().thresholds(0.5, 1.5));

    assertThat(e.setting()).isEqualTo("thresholds");
    assertThat(e).hasMessage("thresholds must be > 0 and <= 1 but had 1.5");
  }

  @Test
  void ruleWithItsOwnWordingIsPrefixedByTheNameGiven() {
    SettingException e = catchThrowableOfType(SettingException.class, () -> Requirements.eventSource("has space"));

    assertThat(e.setting()).isEqualTo("eventSource");
    assertThat(e.messageFor("init-param 'event-source'")).isEqualTo("init-param 'event-source': event source must"
        + " be 1 to 256 visible ASCII characters (0x21-0x7E) but was 'has space'");
  }

  @Test
  void kebabCaseIsHowWebXmlAndPropertiesSpellABuilderSetting() {
    assertThat(SettingException.kebabCase("storeFailureRetryAfter")).isEqualTo("store-failure-retry-after");
    assertThat(SettingException.kebabCase("headerStyle")).isEqualTo("header-style");
    assertThat(SettingException.kebabCase("store")).isEqualTo("store");
  }
}
