package dev.apibilling.tck;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.HOUR;
import static dev.apibilling.QuotaDuration.MINUTE;
import static dev.apibilling.QuotaDuration.MONTH;

import dev.apibilling.QuotaDefinition;
import dev.apibilling.tck.ModelRun.Scenario;
import dev.apibilling.tck.ModelStep.Advance;
import dev.apibilling.tck.ModelStep.History;
import dev.apibilling.tck.ModelStep.Housekeeping;
import dev.apibilling.tck.ModelStep.SetPlan;
import dev.apibilling.tck.ModelStep.Settle;
import dev.apibilling.tck.ModelStep.Spend;
import dev.apibilling.tck.ModelStep.Status;
import dev.apibilling.tck.ReferenceModel.Kind;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Model-based runs kept as fixed regression examples: the smallest cases of what randomized runs found. */
final class ModelExamples {

  private ModelExamples() {}

  private static final long MINUTES = 60_000L;
  private static final long DAYS = 86_400_000L;

  static Map<String, Scenario> all() {
    Map<String, Scenario> all = new LinkedHashMap<>();
    Instant feb28 = Instant.parse("2027-02-28T12:00:00Z");
    QuotaDefinition month = QuotaDefinition.of(MONTH, 10).anchoredAt(LocalDate.of(2027, 1, 28));
    all.put("re-anchored month kept past its old end", new Scenario(feb28, List.of(month), List.of(
        new Spend(0, Kind.TRACK, 10, null),
        new SetPlan(List.of(month.anchoredAt(LocalDate.of(2027, 1, 31)))),
        new Advance(29 * DAYS), new Housekeeping(), new Spend(1, Kind.TRACK, 10, null), new Status(0))));
    QuotaDefinition london = QuotaDefinition.of(MONTH, 10).anchoredAt(LocalDate.of(2030, 5, 31))
        .inZone(ZoneId.of("Europe/London"));
    all.put("limit change on a future-anchored month", new Scenario(feb28, List.of(london), List.of(
        new Spend(0, Kind.TRACK, 10, null), new SetPlan(List.of(london.withLimit(12))),
        new Advance(29 * DAYS), new Housekeeping(), new Spend(1, Kind.TRACK, 5, null), new Status(1))));
    QuotaDefinition burst = QuotaDefinition.of(MINUTE, 5).named("burst");
    Instant morning = Instant.parse("2027-05-04T10:00:30Z");
    all.put("minute lengthened to an hour under its name", new Scenario(morning, List.of(burst), List.of(
        new Spend(0, Kind.TRACK, 5, null), new SetPlan(List.of(QuotaDefinition.of(HOUR, 5).named("burst"))),
        new Advance(10 * MINUTES), new Housekeeping(), new Spend(1, Kind.TRACK, 1, null), new Status(0))));
    all.put("minute lengthened after it ended", new Scenario(morning, List.of(burst), List.of(
        new Spend(0, Kind.TRACK, 5, null), new Advance(2 * MINUTES),
        new SetPlan(List.of(QuotaDefinition.of(HOUR, 5).named("burst"))), new Spend(1, Kind.TRACK, 1, null),
        new Status(0))));
    List<QuotaDefinition> dayAndMonth = List.of(QuotaDefinition.of(DAY, 10), QuotaDefinition.of(MONTH, 100));
    all.put("replay after the plan shrank", new Scenario(feb28, dayAndMonth, List.of(
        new Spend(0, Kind.CHARGE, 3, "k1"), new SetPlan(List.of(QuotaDefinition.of(DAY, 10))),
        new Spend(1, Kind.CHARGE, 3, "k1"), new SetPlan(dayAndMonth), new Spend(0, Kind.CHARGE, 2, "k1"))));
    all.put("replayed reservation", new Scenario(feb28, List.of(QuotaDefinition.of(DAY, 10)), List.of(
        new Spend(0, Kind.RESERVE, 5, "k1"), new Advance(MINUTES), new Spend(0, Kind.RESERVE, 4, "k1"),
        new Settle(1, 0, 50), new Spend(1, Kind.RESERVE, 4, "k1"), new Settle(0, 1, 0))));
    List<QuotaDefinition> unlimited = List.of(QuotaDefinition.unlimited(MONTH), QuotaDefinition.unlimited(DAY));
    all.put("saturation at 2^53-1", new Scenario(feb28, unlimited, List.of(
        new Spend(0, Kind.TRACK, ReferenceModel.MAX, null), new Spend(1, Kind.RESERVE, ReferenceModel.MAX, null),
        new Spend(0, Kind.TRACK, ReferenceModel.MAX, null), new Settle(0, 0, 0), new History(1))));
    return all;
  }
}
