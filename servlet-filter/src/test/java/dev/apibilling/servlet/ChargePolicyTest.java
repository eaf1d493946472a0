package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

final class ChargePolicyTest {

  @Test
  void below500ChargesEveryStatusBelow500Except404And405And429() {
    assertThat(IntStream.range(100, 600).filter(ChargePolicy.BELOW_500::charges).boxed().toList())
        .containsExactlyElementsOf(IntStream.range(100, 500)
            .filter(s -> s != 404 && s != 405 && s != 429).boxed().toList());
  }

  @Test
  void successOnlyChargesExactly2xxAndAlwaysChargesEverything() {
    assertThat(IntStream.range(100, 600).filter(ChargePolicy.SUCCESS_2XX::charges).boxed().toList())
        .containsExactlyElementsOf(IntStream.range(200, 300).boxed().toList());
    assertThat(IntStream.range(100, 600).allMatch(ChargePolicy.ALWAYS::charges)).isTrue();
  }
}
