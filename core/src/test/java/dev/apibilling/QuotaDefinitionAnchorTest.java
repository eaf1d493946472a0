package dev.apibilling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

final class QuotaDefinitionAnchorTest {

  private static final QuotaDefinition MONTH = QuotaDefinition.of(QuotaDuration.MONTH, 10);

  @Test
  void dateAnchorIsTheOneOfTheFiveArgumentConstructorAndStartsAtTheStartOfTheDay() {
    QuotaDefinition q = MONTH.anchoredAt(LocalDate.of(2026, 1, 31));
    assertThat(q).isEqualTo(new QuotaDefinition("month", QuotaDuration.MONTH, 10, LocalDate.of(2026, 1, 31),
        ZoneOffset.UTC));
    assertThat(q.anchorTime()).isEqualTo(LocalTime.MIDNIGHT);
    assertThat(q.anchorOffset()).isNull();
    assertThat(MONTH.anchoredAt("2026-01-31")).isEqualTo(q);
    assertThat(MONTH.anchoredAt(LocalDateTime.of(2026, 1, 31, 0, 0))).isEqualTo(q);
  }

  @Test
  void textReadsALocalDateTimeInTheQuotasZone() {
    QuotaDefinition q = MONTH.anchoredAt("2026-01-31T09:30").inZone(ZoneId.of("Europe/Berlin"));
    assertThat(q).isEqualTo(MONTH.anchoredAt(LocalDateTime.of(2026, 1, 31, 9, 30)).inZone(ZoneId.of("Europe/Berlin")));
    assertThat(q.anchor()).isEqualTo(LocalDate.of(2026, 1, 31));
    assertThat(q.anchorTime()).isEqualTo(LocalTime.of(9, 30));
    assertThat(q.anchorStart().toInstant()).isEqualTo(Instant.parse("2026-01-31T08:30:00Z"));
  }

  @Test
  void textWithZOrAnOffsetIsAnInstantWhateverTheZone() {
    QuotaDefinition z = MONTH.inZone(ZoneId.of("Asia/Tokyo")).anchoredAt("2026-01-31T09:30:00Z");
    assertThat(z).isEqualTo(MONTH.anchoredAt(Instant.parse("2026-01-31T09:30:00Z")).inZone(ZoneId.of("Asia/Tokyo")));
    assertThat(z.anchorStart().toInstant()).isEqualTo(Instant.parse("2026-01-31T09:30:00Z"));
    assertThat(z.anchorStart().toLocalTime()).isEqualTo(LocalTime.of(18, 30));
    QuotaDefinition offset = MONTH.anchoredAt("2026-01-31T09:30+01:00");
    assertThat(offset).isEqualTo(MONTH.anchoredAt(OffsetDateTime.parse("2026-01-31T09:30+01:00")));
    assertThat(offset.anchorOffset()).isEqualTo(ZoneOffset.ofHours(1));
    assertThat(offset.anchorStart().toInstant()).isEqualTo(Instant.parse("2026-01-31T08:30:00Z"));
    assertThat(MONTH.anchoredAt("2026-01-31T09:30-05:00").anchorStart().toInstant())
        .isEqualTo(Instant.parse("2026-01-31T14:30:00Z"));
  }

  @Test
  void malformedAnchorTextNamesTheValueAndTheFormsAllowed() {
    for (String bad : new String[] {"tomorrow", "2026-1-31", "2026-01-31 09:30", "2026-01-31T9:30",
        "2026-01-31T09:30:00Z[Europe/Berlin]", "", "31.01.2026"}) {
      assertThatThrownBy(() -> MONTH.anchoredAt(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("quota anchor must be an ISO date like 2026-01-31, a local date-time like "
              + "2026-01-31T09:30 or an instant like 2026-01-31T09:30:00Z")
          .hasMessageContaining("but was '" + bad + "'");
    }
  }

  @Test
  void impossibleDateSaysWhyItIsImpossible() {
    assertThatThrownBy(() -> MONTH.anchoredAt("2026-02-30T09:30"))
        .hasMessageContaining("but was '2026-02-30T09:30'")
        .hasMessageContaining("FEBRUARY 30");
    assertThatThrownBy(() -> MONTH.anchoredAt("2026-01-31T24:30Z"))
        .hasMessageContaining("but was '2026-01-31T24:30Z'");
  }

  @Test
  void anchorTextIsReadBackAsTheSameQuota() {
    for (String text : new String[] {"2026-01-31", "2026-01-31T09:30", "2026-01-31T09:30:15.250",
        "2026-01-31T09:30Z", "2026-01-31T00:00Z", "2026-01-31T09:30-05:00", "2026-01-31T09:30:01+05:45"}) {
      QuotaDefinition q = MONTH.anchoredAt(text);
      assertThat(q.anchorText()).isEqualTo(text);
      assertThat(MONTH.anchoredAt(q.anchorText())).isEqualTo(q);
    }
    assertThat(MONTH.anchoredAt(Instant.parse("2026-01-31T09:30:00Z")).anchorText()).isEqualTo("2026-01-31T09:30Z");
    assertThat(MONTH.anchoredAt("2026-01-31T00:00").anchorText()).isEqualTo("2026-01-31");
  }
}
