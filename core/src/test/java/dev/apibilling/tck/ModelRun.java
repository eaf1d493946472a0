package dev.apibilling.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.ClientStatus;
import dev.apibilling.DailyUsage;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaState;
import dev.apibilling.Reservation;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.ModelStep.Advance;
import dev.apibilling.tck.ModelStep.DeleteUsage;
import dev.apibilling.tck.ModelStep.History;
import dev.apibilling.tck.ModelStep.Housekeeping;
import dev.apibilling.tck.ModelStep.Replan;
import dev.apibilling.tck.ModelStep.SetPlan;
import dev.apibilling.tck.ModelStep.Settle;
import dev.apibilling.tck.ModelStep.Spend;
import dev.apibilling.tck.ModelStep.Status;
import dev.apibilling.tck.ModelStep.ToWindowEnd;
import dev.apibilling.tck.ReferenceModel.Expected;
import dev.apibilling.tck.ReferenceModel.Slot;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Model-based runs against one store backend: two billings (different TTLs and history zones) on two
 * store objects over the backend and one {@link MutableClock}, driven by {@link ModelStep}s and compared
 * with a {@link ReferenceModel} after every step. A failing run is shrunk (steps dropped while it still
 * fails) and reported with its seed and the trace of the shrunk run.
 */
public final class ModelRun {

  /** A run: where the clock starts, the first plan, the steps. */
  public record Scenario(Instant start, List<QuotaDefinition> plan, List<ModelStep> steps) {}

  private static final int SHRINK_ATTEMPTS = 200;
  private static final ZoneId[] HISTORY_ZONES = {ZoneOffset.UTC, ZoneId.of("America/New_York")};
  private static final long[] KEY_TTL = {Duration.ofMinutes(10).toMillis(), Duration.ofHours(2).toMillis()};
  private static final long[] RESERVATION_TTL = {Duration.ofMinutes(5).toMillis(), Duration.ofMinutes(30).toMillis()};

  private final UsageStore first;
  private final UsageStore second;
  private final Consumer<Instant> housekeeping;

  /**
   * @param first a store object over the backend under test
   * @param second another store object over the same backend
   * @param housekeeping what the store's own expiry does at an instant (a sweep, a purge), or nothing
   */
  public ModelRun(UsageStore first, UsageStore second, Consumer<Instant> housekeeping) {
    this.first = first;
    this.second = second;
    this.housekeeping = housekeeping;
  }

  /** The random scenario of a seed. */
  public static Scenario scenario(long seed, int steps) {
    Random r = new Random(seed);
    Instant start = ModelStep.STARTS.get(r.nextInt(ModelStep.STARTS.size()));
    List<QuotaDefinition> plan = ModelStep.plan(r);
    List<ModelStep> list = new ArrayList<>(steps);
    for (int i = 0; i < steps; i++) {
      list.add(ModelStep.random(r));
    }
    return new Scenario(start, plan, list);
  }

  /**
   * Runs the scenarios of seeds {@code seed}, {@code seed + 1}, ... until {@code runs} have run or
   * {@code budget} has passed.
   *
   * @return the number of scenarios run
   * @throws AssertionError for the first scenario that disagrees with the model, shrunk
   */
  public int randomRuns(long seed, int runs, int steps, Duration budget) {
    long deadline = System.nanoTime() + budget.toNanos();
    int run = 0;
    while (run < runs && (run == 0 || System.nanoTime() < deadline)) {
      long s = seed + run;
      check(scenario(s, steps), "seed " + s + " (-Dapibilling.model.seed=" + s + " -Dapibilling.model.runs=1)");
      run++;
    }
    return run;
  }

  /** Runs one scenario; throws an {@link AssertionError} naming {@code name} with the shrunk run. */
  public void check(Scenario scenario, String name) {
    Throwable failure = attempt(scenario, new StringBuilder());
    if (failure == null) {
      return;
    }
    Scenario shrunk = shrink(scenario);
    StringBuilder trace = new StringBuilder();
    Throwable last = attempt(shrunk, trace);
    throw new AssertionError("model-based run " + name + " disagrees with the model: " + failure.getMessage()
        + "\nshrunk from " + scenario.steps().size() + " to " + shrunk.steps().size() + " steps, start "
        + shrunk.start() + ", plan " + shrunk.plan() + ":\n" + trace
        + "\nfails with: " + (last == null ? "(passed when shrunk)" : last), failure);
  }

  private Scenario shrink(Scenario failing) {
    List<ModelStep> steps = failing.steps();
    int attempts = 0;
    boolean progress = true;
    while (progress && attempts < SHRINK_ATTEMPTS) {
      progress = false;
      for (int chunk = Math.max(1, steps.size() / 2); chunk >= 1; chunk /= 2) {
        int from = 0;
        while (from + chunk <= steps.size() && attempts < SHRINK_ATTEMPTS) {
          List<ModelStep> candidate = new ArrayList<>(steps.subList(0, from));
          candidate.addAll(steps.subList(from + chunk, steps.size()));
          attempts++;
          if (attempt(new Scenario(failing.start(), failing.plan(), candidate), new StringBuilder()) != null) {
            steps = candidate;
            progress = true;
          } else {
            from += chunk;
          }
        }
      }
    }
    return new Scenario(failing.start(), failing.plan(), steps);
  }

  /** Runs a scenario on a fresh client; returns what failed, or null. */
  private @Nullable Throwable attempt(Scenario scenario, StringBuilder trace) {
    try {
      new Execution(scenario, trace).run();
      return null;
    } catch (AssertionError | RuntimeException e) {
      return e;
    }
  }

  /** One run of a scenario. */
  private final class Execution {
    final Scenario scenario;
    final StringBuilder trace;
    final MutableClock clock;
    final ApiBilling[] billings;
    final String client = "model-" + UUID.randomUUID();
    final ReferenceModel model;
    final List<Reservation> reservations = new ArrayList<>();

    Execution(Scenario scenario, StringBuilder trace) {
      this.scenario = scenario;
      this.trace = trace;
      this.clock = new MutableClock(scenario.start());
      this.billings = new ApiBilling[] {billing(first, 0), billing(second, 1)};
      this.model = new ReferenceModel(scenario.plan());
    }

    private ApiBilling billing(UsageStore store, int i) {
      return ApiBilling.builder().store(store).clock(clock).historyZone(HISTORY_ZONES[i])
          .idempotencyTtl(Duration.ofMillis(KEY_TTL[i])).reservationTtl(Duration.ofMillis(RESERVATION_TTL[i]))
          .build();
    }

    void run() {
      for (ApiBilling b : billings) {
        b.updateClientQuotas(client, scenario.plan());
      }
      int i = 0;
      for (ModelStep step : scenario.steps()) {
        long now = clock.millis();
        model.expire(now);
        trace.append(String.format("%3d %s %s", i++, clock.instant(), step));
        step(step, now);
        trace.append('\n');
      }
    }

    private void step(ModelStep step, long now) {
      if (step instanceof Spend s) {
        spend(s, now);
      } else if (step instanceof Settle s) {
        settle(s, now);
      } else if (step instanceof Advance a) {
        clock.advance(Duration.ofMillis(a.millis()));
        housekeeping.accept(clock.instant());
      } else if (step instanceof ToWindowEnd t) {
        List<Slot> slots = model.slots(now);
        long target = slots.get(t.which() % slots.size()).end() + t.offset();
        if (target > now) {
          clock.set(Instant.ofEpochMilli(target));
          housekeeping.accept(clock.instant());
        }
      } else if (step instanceof Replan r) {
        replan(ModelStep.replan(model.plan, r, now), now);
      } else if (step instanceof SetPlan p) {
        replan(p.quotas(), now);
      } else if (step instanceof Status s) {
        observe(billings[s.on()], now);
      } else if (step instanceof History h) {
        history(h, now);
      } else if (step instanceof DeleteUsage d) {
        delete(d, now);
      } else if (step instanceof Housekeeping) {
        housekeeping.accept(clock.instant());
      } else {
        throw new IllegalArgumentException("unknown step " + step);
      }
    }

    private void replan(List<QuotaDefinition> plan, long now) {
      trace.append(" -> ").append(plan);
      for (ApiBilling b : billings) {
        b.updateClientQuotas(client, plan);
      }
      model.replan(plan, now);
    }

    private void spend(Spend s, long now) {
      ApiBilling b = billings[s.on()];
      List<Slot> slots = model.slots(now);
      if (slots.stream().anyMatch(slot -> model.uncertain(slot, now))) {
        observe(b, now);
      }
      long day = LocalDate.ofInstant(clock.instant(), HISTORY_ZONES[s.on()]).toEpochDay();
      Expected e = model.decide(s.kind(), s.credits(), s.key(), now, day, KEY_TTL[s.on()],
          RESERVATION_TTL[s.on()]);
      Charge charge = Charge.of(client, s.credits()).idempotencyKey(s.key());
      BillingDecision d = switch (s.kind()) {
        case TRACK -> b.tryTrackClientUsage(client, s.credits());
        case CHECK -> b.check(client, s.credits());
        case CHARGE -> b.tryCharge(charge);
        case RESERVE -> b.reserve(charge);
      };
      trace.append(" => ").append(d.granted() ? "granted" : "denied").append(d.replayed() ? " (replay)" : "")
          .append(' ').append(d.quotas().stream().map(QuotaState::used).toList());
      assertThat(d.granted()).as("granted").isEqualTo(e.granted());
      assertThat(d.replayed()).as("replayed").isEqualTo(e.replayed());
      assertWindows(d.quotas(), slots);
      assertThat(d.quotas()).extracting(QuotaState::used).as("used").containsExactly(boxed(e.used()));
      Reservation r = d.reservation().orElse(null);
      if (e.replayed()) {
        if (e.reservationId() == null) {
          assertThat(r).as("reservation of the replay").isNull();
        } else {
          assertThat(r).as("reservation of the replay").isEqualTo(new Reservation(e.reservationId(), client,
              e.heldCredits(), Instant.ofEpochMilli(e.heldUntil())));
          reservations.add(r);
        }
      } else if (e.granted() && e.pending() != null) {
        assertThat(r).as("reservation").isNotNull();
        assertThat(r.credits()).as("reserved credits").isEqualTo(s.credits());
        assertThat(r.expiresAt()).as("reservation expiry").isEqualTo(Instant.ofEpochMilli(e.pending().expiresAt()));
        reservations.add(r);
        model.recorded(e, r.id());
      } else {
        assertThat(r).as("reservation").isNull();
        if (e.granted()) {
          model.recorded(e, null);
        }
      }
    }

    private void settle(Settle s, long now) {
      if (reservations.isEmpty()) {
        return;
      }
      Reservation r = reservations.get(s.which() % reservations.size());
      long actual = r.credits() * s.percent() / 100;
      trace.append(" ").append(r.id(), 0, 6).append(" keeps ").append(actual).append(" of ").append(r.credits());
      boolean settled = billings[s.on()].commit(r, actual);
      trace.append(" => ").append(settled);
      assertThat(settled).as("settled").isEqualTo(model.settle(r.id(), actual));
    }

    /** A status read: bounds and counts, learning whether uncertain counts were kept. */
    private void observe(ApiBilling b, long now) {
      List<Slot> slots = model.slots(now);
      ClientStatus status = b.status(client);
      List<QuotaState> quotas = status.quotas();
      trace.append(" [status ").append(quotas.stream().map(QuotaState::used).toList()).append(']');
      assertWindows(quotas, slots);
      for (int i = 0; i < slots.size(); i++) {
        if (model.uncertain(slots.get(i), now)) {
          model.resolve(slots.get(i), quotas.get(i).used());
        }
      }
      long[] expected = model.touch(slots, now);
      assertThat(quotas).extracting(QuotaState::used).as("status used").containsExactly(boxed(expected));
    }

    private void history(History h, long now) {
      ApiBilling b = billings[h.on()];
      observe(b, now);
      LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
      List<DailyUsage> expected = new ArrayList<>();
      model.days(today.minusDays(16).toEpochDay(), today.plusDays(1).toEpochDay())
          .forEach((d, c) -> expected.add(new DailyUsage(LocalDate.ofEpochDay(d), c)));
      assertThat(b.usageHistory(client, today.minusDays(16), today.plusDays(1))).as("history")
          .containsExactlyElementsOf(expected);
    }

    private void delete(DeleteUsage d, long now) {
      ApiBilling b = billings[d.on()];
      observe(b, now);
      LocalDate from = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(d.fromDaysAgo());
      LocalDate to = from.plusDays(d.days());
      long expected = model.deleteDays(from.toEpochDay(), to.toEpochDay());
      assertThat(b.deleteUsage(client, from, to)).as("days deleted").isEqualTo(expected);
    }

    private void assertWindows(List<QuotaState> quotas, List<Slot> slots) {
      assertThat(quotas).hasSameSizeAs(slots);
      for (int i = 0; i < slots.size(); i++) {
        assertThat(quotas.get(i).policy()).isEqualTo(slots.get(i).quota().policy());
        assertThat(quotas.get(i).windowStart()).as("window start of %s", slots.get(i).quota())
            .isEqualTo(Instant.ofEpochMilli(slots.get(i).start()));
        assertThat(quotas.get(i).resetAt()).as("window end of %s", slots.get(i).quota())
            .isEqualTo(Instant.ofEpochMilli(slots.get(i).end()));
      }
    }
  }

  private static Long[] boxed(long[] values) {
    Long[] boxed = new Long[values.length];
    for (int i = 0; i < values.length; i++) {
      boxed[i] = values[i];
    }
    return boxed;
  }
}
