package dev.apibilling.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.LeaseSettings;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.spi.UsageStore;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A leasing instance that crashes with its lease open (a JVM killed with {@code kill -9}, or an instance
 * abandoned in this JVM): nothing it granted is given back, its undrawn block comes back at the lease TTL,
 * at most two chunks (the one in use and the one drawn ahead) stay stranded, and the credits granted by it and by a survivor never exceed the limit.
 * Time is moved, not waited for: the store judges expiry by the caller's {@code now}, so the survivor reads
 * the store at the crash instant plus the TTL.
 */
public abstract class LeaseCrashContract {

  /** The leases of the instance that crashes: hot from 8 charges, a block's chunk is 8 to 10 charges here. */
  protected static final LeaseSettings CRASHING = LeaseWorker.SHORT;
  /** Charges of 1 credit the crashing instance grants before it dies, all at one instant. */
  protected static final int DECISIONS = 40;
  private static final long LIMIT = 2_000;
  /** A chunk: a quarter of a block, which is at most the 40 charges of the span, and at least 8 charges. */
  private static final long CHUNK = Math.max(CRASHING.minDecisions(), (DECISIONS + 3) / 4);

  protected final String client = "crash-" + UUID.randomUUID().toString().substring(0, 8);
  private final Instant at = Instant.parse("2026-03-10T12:00:00Z");

  /** A store object over the backend under test, sharing data with every other one it returns. */
  protected abstract UsageStore newStore();

  /**
   * Builds an {@link ApiBilling} with {@link #CRASHING} leases whose clock stands still at {@code at}, sets
   * the client's one quota to {@code day:limit}, grants {@link #DECISIONS} charges of 1 credit and then
   * dies with its leases open: neither closed nor swept, its process killed where it has one.
   *
   * @return the credits it granted
   */
  protected abstract long grantThenCrash(String client, long limit, Instant at) throws Exception;

  @Test
  void aCrashedLeasingInstanceLosesNoGrantedCreditAndItsUndrawnBlockReturnsWithinTheTtl() throws Exception {
    long granted = grantThenCrash(client, LIMIT, at);
    assertThat(granted).as("granted before the crash").isEqualTo(DECISIONS);
    try (UsageStore store = newStore()) {
      long held = usedAt(store, at, LIMIT);
      assertThat(held).as("granted, the chunk's rest and the undrawn block").isGreaterThan(granted);

      Instant expired = at.plus(CRASHING.ttl());
      long after = usedAt(store, expired, LIMIT);
      assertThat(after).as("nothing granted is given back").isGreaterThanOrEqualTo(granted);
      assertThat(after).as("the undrawn block is back at the TTL (held %d)", held).isLessThan(held);
      assertThat(after - granted).as("stranded: the chunk in use and the one drawn ahead")
          .isLessThanOrEqualTo(2 * CHUNK);

      long survived = survive(store, expired, LIMIT);
      assertThat(granted + survived).as("granted by both instances").isLessThanOrEqualTo(LIMIT);
      assertThat(survived).as("the survivor gets all that is not granted or stranded")
          .isEqualTo(LIMIT - after);
      assertThat(usedAt(store, expired, LIMIT)).as("store count at the end").isEqualTo(LIMIT);
    }
  }

  private List<QuotaDefinition> quota(long limit) {
    return List.of(QuotaDefinition.of(QuotaDuration.DAY, limit).named("day"));
  }

  /**
   * The client's count at an instant, after the store has given back what expired by then (a check does),
   * with its one quota {@code day:limit}.
   */
  protected long usedAt(UsageStore store, Instant now, long limit) {
    try (ApiBilling reader = ApiBilling.builder().store(store).clock(new MutableClock(now)).build()) {
      reader.updateClientQuotas(client, quota(limit));
      reader.check(client, 1);
      return reader.status(client).quotas().get(0).used();
    }
  }

  /**
   * A surviving instance with leases on, at {@code now}: charges 1 credit at a time until it is denied,
   * then settles its leases; returns the credits it granted.
   */
  protected long survive(UsageStore store, Instant now, long limit) {
    long survived = 0;
    try (ApiBilling survivor = ApiBilling.builder().store(store).clock(new MutableClock(now))
        .leases(LeaseSettings.defaults().withHotDecisions(8)).build()) {
      survivor.updateClientQuotas(client, quota(limit));
      while (survived <= limit && survivor.tryTrackClientUsage(client, 1).granted()) {
        survived++;
      }
    }
    return survived;
  }
}
