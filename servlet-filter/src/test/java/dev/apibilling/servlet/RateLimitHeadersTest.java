package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.QuotaState;
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
  @Test
  void policyValueIsCachedPerSetOfQuotasAndEachSetGetsItsOwn() {
    billing.updateClientQuotas("a", List.of(QuotaDefinition.of(QuotaDuration.HOUR, 10)));
    billing.updateClientQuotas("b", List.of(QuotaDefinition.of(QuotaDuration.HOUR, 20)));
    billing.updateClientQuotas("c", List.of(QuotaDefinition.of(QuotaDuration.HOUR, 10).named("burst")));
    billing.updateClientQuotas("d", List.of(QuotaDefinition.of(QuotaDuration.DAY, 10).named("hour")));
    billing.updateClientQuotas("e", List.of(QuotaDefinition.of(QuotaDuration.HOUR, 10),
        QuotaDefinition.of(QuotaDuration.DAY, 100)));

    for (int round = 0; round < 2; round++) { // the second round is served from the cache
      assertThat(policy("a")).isEqualTo("\"hour\";q=10;w=3600");
      assertThat(policy("b")).isEqualTo("\"hour\";q=20;w=3600");
      assertThat(policy("c")).isEqualTo("\"burst\";q=10;w=3600");
      assertThat(policy("d")).isEqualTo("\"hour\";q=10;w=86400");
      assertThat(policy("e")).isEqualTo("\"hour\";q=10;w=3600, \"day\";q=100;w=86400");
    }
    List<QuotaState> a = billing.tryTrackClientUsage("a", 1).quotas();
    assertThat(RateLimitHeaders.Policy.of(a)).isSameAs(RateLimitHeaders.Policy.of(billing.tryTrackClientUsage("a", 1).quotas()));
  }

  @Test
  void policyValueFollowsAPlanChangeAndTheWindowLength() {
    billing.updateClientQuotas("p", List.of(QuotaDefinition.of(QuotaDuration.MONTH, 10)));
    assertThat(policy("p")).isEqualTo("\"month\";q=10;w=2678400"); // March: 31 days

    clock.advance(Duration.ofDays(3)); // April: 30 days
    assertThat(policy("p")).isEqualTo("\"month\";q=10;w=2592000");

    billing.updateClientQuotas("p", List.of(QuotaDefinition.of(QuotaDuration.MONTH, 50)));
    assertThat(policy("p")).isEqualTo("\"month\";q=50;w=2592000");
  }

  @Test
  void writtenFieldsAreTheFieldsAndResetFollowsTheWindow() {
    billing.updateClientQuotas("w", List.of(QuotaDefinition.of(QuotaDuration.MINUTE, 5),
        QuotaDefinition.of(QuotaDuration.DAY, 100)));
    Map<String, String> written = new java.util.LinkedHashMap<>();
    jakarta.servlet.http.HttpServletResponse response = (jakarta.servlet.http.HttpServletResponse)
        java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {jakarta.servlet.http.HttpServletResponse.class}, (proxy, method, args) -> {
              if (method.getName().equals("setHeader")) {
                written.put((String) args[0], (String) args[1]);
              }
              return null;
            });

    BillingDecision first = billing.tryTrackClientUsage("w", 1);
    RateLimitHeaders.write(response, first, HeaderStyle.BOTH);
    assertThat(written).containsExactlyEntriesOf(RateLimitHeaders.fields(first, HeaderStyle.BOTH));
    assertThat(written.get("RateLimit")).isEqualTo(
        RateLimitHeaders.rateLimitField(first.quotas(), first.at())).isEqualTo("\"minute\";r=4;t=60, \"day\";r=99;t=84600");
    assertThat(written).containsEntry("X-RateLimit-Limit", "5").containsEntry("X-RateLimit-Remaining", "4")
        .containsEntry("X-RateLimit-Reset", Long.toString(java.time.Instant.parse("2026-03-29T00:31:00Z").getEpochSecond()));

    clock.advance(Duration.ofSeconds(90));
    BillingDecision later = billing.tryTrackClientUsage("w", 1);
    assertThat(RateLimitHeaders.fields(later, HeaderStyle.BOTH))
        .containsEntry("RateLimit", "\"minute\";r=4;t=30, \"day\";r=98;t=84510")
        .containsEntry("X-RateLimit-Reset", Long.toString(java.time.Instant.parse("2026-03-29T00:32:00Z").getEpochSecond()));
  }

  private String policy(String client) {
    return RateLimitHeaders.fields(billing.tryTrackClientUsage(client, 1), HeaderStyle.IETF).get("RateLimit-Policy");
  }

  @Test
  void windowAndResetSecondsAreWhatDurationsGive() {
    java.util.Random random = new java.util.Random(17);
    java.time.Instant base = java.time.Instant.parse("2026-03-10T12:00:00Z");
    for (int n = 0; n < 10_000; n++) {
      // millisecond and sub-millisecond instants, windows of any length, "now" before, inside and after
      java.time.Instant start = base.plusNanos(random.nextLong() % 5_000_000_000_000L);
      java.time.Instant end = start.plusNanos(1 + Math.abs(random.nextLong() % 3_000_000_000_000_000L));
      java.time.Instant now = n % 2 == 0 ? start.plusMillis(random.nextInt(1_000_000_000))
          : end.plusNanos(random.nextLong() % 3_000_000_000L);
      QuotaState q = new QuotaState("day", QuotaDuration.DAY, 10, 3, start, end);

      assertThat(RateLimitHeaders.windowSeconds(q)).isEqualTo(q.windowSeconds());
      assertThat(RateLimitHeaders.secondsUntilReset(q, now))
          .isEqualTo(Math.floorDiv(q.resetAfter(now).toMillis() + 999, 1000));
    }
  }
}
