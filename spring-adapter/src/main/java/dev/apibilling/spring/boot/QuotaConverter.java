package dev.apibilling.spring.boot;

import dev.apibilling.QuotaPlans;
import org.springframework.core.convert.converter.Converter;

/**
 * Reads a quota written in one line by core's quota language ({@link QuotaPlans#parseQuota}):
 * {@code apibilling.plans.free=day:500, month:10000 anchor=2026-01-31T09:30} (Spring splits the list at
 * commas).
 */
final class QuotaConverter implements Converter<String, ApiBillingProperties.Quota> {

  @Override
  public ApiBillingProperties.Quota convert(String source) {
    return ApiBillingProperties.Quota.of(QuotaPlans.parseQuota(source));
  }
}
