package dev.apibilling.jdbc;

import static dev.apibilling.QuotaDuration.DAY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.Charge;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.tck.MutableClock;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Client ids, policy names and keys are bound as parameters and compared exactly: ids that differ only
 * in case or trailing blanks, or that look like SQL, are separate clients on every database.
 */
final class ClientIdTest {

  @Test
  void idsAreExactAndNeverSqlOnH2() {
    idsAreExactAndNeverSql(Databases.h2Url());
  }

  @Test
  void idsAreExactAndNeverSqlOnPostgres() {
    idsAreExactAndNeverSql(Databases.postgres());
  }

  @Test
  void idsAreExactAndNeverSqlOnMariaDb() {
    idsAreExactAndNeverSql(Databases.mariadb());
  }

  private static void idsAreExactAndNeverSql(String url) {
    String run = UUID.randomUUID().toString();
    try (TestTables tables = TestTables.on(url);
        JdbcUsageStore store = tables.open();
        ApiBilling billing = ApiBilling.builder().store(store).clock(MutableClock.at("2026-03-10T10:15:30Z")).build()) {
      List<String> ids = List.of("Acme-" + run, "acme-" + run, "acme-" + run + " ", "x'); DROP TABLE "
          + tables.prefix() + "windows; -- " + run, "\u5ba2\u6237-\u00fcml\u00e4ut-" + run, "a".repeat(200) + run);
      for (int i = 0; i < ids.size(); i++) {
        billing.updateClientQuotas(ids.get(i), List.of(QuotaDefinition.of(DAY, 1_000), QuotaDefinition.of(DAY, 1_000).named("Day")));
        billing.trackClientUsage(ids.get(i), i + 1);
        billing.tryCharge(Charge.of(ids.get(i), 100).idempotencyKey("Key"));
        billing.tryCharge(Charge.of(ids.get(i), 100).idempotencyKey("key"));
      }
      for (int i = 0; i < ids.size(); i++) {
        long expected = i + 1 + 200;
        assertThat(billing.status(ids.get(i)).quotas()).as(ids.get(i))
            .extracting(q -> q.used()).containsExactly(expected, expected);
      }
    }
  }
}
