package dev.apibilling.spring.boot;

import dev.apibilling.QuotaDefinition;
import dev.apibilling.servlet.QuotaPlans;
import java.util.List;
import org.springframework.core.convert.converter.Converter;

/**
 * Reads a quota written in one line, {@code duration:limit [anchor=ANCHOR] [zone=ZONE] [name=POLICY]}, the
 * form the servlet filter's plans use: {@code apibilling.plans.free=day:500, month:10000 anchor=2026-01-31}.
 */
final class QuotaConverter implements Converter<String, ApiBillingProperties.Quota> {

  @Override
  public ApiBillingProperties.Quota convert(String source) {
    List<QuotaDefinition> quotas = QuotaPlans.parseQuotas(source);
    if (quotas.size() != 1) {
      throw new IllegalArgumentException("one quota expected but '" + source + "' has " + quotas.size());
    }
    return ApiBillingProperties.Quota.of(quotas.get(0));
  }
}
