package dev.apibilling.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

final class ChargeRequestTest {

  private static final List<WindowSlot> DAY = List.of(new WindowSlot("day", 0, 86_400_000L, 10));

  private static ChargeRequest request(ChargeMode mode, @Nullable String reservationId) {
    return new ChargeRequest("acme", DAY, 1, mode, null, 0, reservationId, 1_000, 0, Map.of(), 0);
  }

  @Test
  void reservationNeedsANonEmptyId() {
    assertThat(request(ChargeMode.RESERVE, "r-1").reservationId()).isEqualTo("r-1");
    assertThatThrownBy(() -> request(ChargeMode.RESERVE, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a RESERVE request must carry a non-empty reservationId but had none");
    assertThatThrownBy(() -> request(ChargeMode.RESERVE, ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a RESERVE request must carry a non-empty reservationId but had an empty one");
  }

  @Test
  void onlyAReservationCarriesAnId() {
    assertThat(request(ChargeMode.CHARGE, null).reservationId()).isNull();
    assertThat(request(ChargeMode.CHECK, null).reservationId()).isNull();
    assertThatThrownBy(() -> request(ChargeMode.CHARGE, "r-1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("only a RESERVE request carries a reservationId, but a CHARGE request had 'r-1'");
    assertThatThrownBy(() -> request(ChargeMode.CHECK, "r-1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a CHECK request had 'r-1'");
  }

  @Test
  void modeCodesAreTheNumbersTheScriptsAndSqlRead() {
    assertThat(ChargeMode.CHECK.code()).isZero();
    assertThat(ChargeMode.CHARGE.code()).isEqualTo(1);
    assertThat(ChargeMode.RESERVE.code()).isEqualTo(2);
  }
}
