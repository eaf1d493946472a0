package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.tck.MutableClock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class RateLimitHeadersTest {

  final MutableClock clock = MutableClock.at("2026-03-29T00:30:00Z");
  final ApiBilling billing = ApiBilling.builder().clock(clock).build();

  @Test
  void everyLimitedPolicyGetsOneItemAndUnlimitedOnesAreLeftOut() {
    billing.updateClientQuotas("c", List.of(
        QuotaDefinition.of(QuotaDuration.HOUR, 10).named("burst"),
        QuotaDefinition.unlimited(QuotaDuration.DAY),
        QuotaDefinition.of(QuotaDuration.MONTH, 1000)));

    Map<String, String> f = RateLimitHeaders.fields(billing.tryTrackClientUsage("c", 3), HeaderStyle.BOTH);

    assertThat(f.get("RateLimit-Policy")).isEqualTo("\"burst\";q=10;w=3600, \"month\";q=1000;w=2678400");
    assertThat(f.get("RateLimit")).isEqualTo("\"burst\";r=7;t=1800, \"month\";r=997;t=" + (2 * 86_400 + 84_600));
    assertThat(StructuredFields.parseList(f.get("RateLimit"))).hasSize(2);
    assertThat(f).containsEntry("X-RateLimit-Limit", "10").containsEntry("X-RateLimit-Remaining", "7")
        .doesNotContainKey("Retry-After");
  }

  @Test
  void windowLengthIsTheCurrentWindowsAcrossADaylightSavingChange() {
    // 2026-03-29 is 23 hours long in Berlin
    billing.updateClientQuotas("c", List.of(QuotaDefinition.of(QuotaDuration.DAY, 5).inZone(ZoneId.of("Europe/Berlin"))));

    String policy = RateLimitHeaders.fields(billing.tryTrackClientUsage("c", 1), HeaderStyle.IETF).get("RateLimit-Policy");

    assertThat(policy).isEqualTo("\"day\";q=5;w=82800");
  }

  @Test
  void deniedDecisionReportsTheBlockingQuotaInLegacyFieldsAndRetryAfterTheLaterReset() {
    billing.updateClientQuotas("c", List.of(
        QuotaDefinition.of(QuotaDuration.HOUR, 2),
        QuotaDefinition.of(QuotaDuration.MONTH, 4).anchoredAt(LocalDate.of(2026, 1, 31))));
    billing.tryTrackClientUsage("c", 1);
    billing.tryTrackClientUsage("c", 1);
    clock.advance(Duration.ofHours(1));
    billing.tryTrackClientUsage("c", 2);

    BillingDecision denied = billing.tryTrackClientUsage("c", 1);
    Map<String, String> f = RateLimitHeaders.fields(denied, HeaderStyle.LEGACY);

    assertThat(denied.granted()).isFalse();
    assertThat(f).containsEntry("X-RateLimit-Limit", "4").containsEntry("X-RateLimit-Remaining", "0")
        .containsEntry("X-RateLimit-Reset", Long.toString(java.time.Instant.parse("2026-03-31T00:00:00Z").getEpochSecond()))
        .containsEntry("Retry-After", Long.toString(2 * 86_400 - 5400))
        .doesNotContainKey("RateLimit");
  }

  @Test
  void noneStyleWritesOnlyRetryAfterOnDenial() {
    billing.updateClientQuotas("c", List.of(QuotaDefinition.of(QuotaDuration.MINUTE, 0)));
    assertThat(RateLimitHeaders.fields(billing.tryTrackClientUsage("c", 1), HeaderStyle.NONE))
        .containsOnlyKeys("Retry-After").containsEntry("Retry-After", "60");
  }

  @Test
  void retryAfterRoundsUpAndIsNeverZero() {
    assertThat(RateLimitHeaders.retryAfterSeconds(Duration.ofMillis(1))).isEqualTo(1);
    assertThat(RateLimitHeaders.retryAfterSeconds(Duration.ZERO)).isEqualTo(1);
    assertThat(RateLimitHeaders.retryAfterSeconds(Duration.ofMillis(60_001))).isEqualTo(61);
  }

  @Test
  void headerStylesParseCaseInsensitivelyAndRejectOthersNamingTheChoices() {
    assertThat(HeaderStyle.parse(" Both ")).isEqualTo(HeaderStyle.BOTH);
    assertThat(ChargePolicy.parse("below-500")).isEqualTo(ChargePolicy.BELOW_500);
    assertThat(StoreFailurePolicy.parse("FAIL_CLOSED")).isEqualTo(StoreFailurePolicy.FAIL_CLOSED);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> HeaderStyle.parse("x"))
        .hasMessage("header style must be one of [ietf, legacy, both, none] but was 'x'");
  }
}
