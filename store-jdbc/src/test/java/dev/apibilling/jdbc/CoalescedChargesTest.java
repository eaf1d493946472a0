package dev.apibilling.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.WindowSlot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The coalescing of plain charges without a database: a sender that records each batch and, when asked,
 * holds its call until the test lets it go. Answers are the charge's credits times 10 plus its position,
 * so a charge given another's answer shows.
 */
final class CoalescedChargesTest {

  private static final WindowSlot MINUTE = new WindowSlot("minute", 0, 60_000, 1_000);

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final BlockingQueue<List<ChargeRequest>> sent = new LinkedBlockingQueue<>();
  private final List<CountDownLatch> holds = new ArrayList<>();
  private final AtomicInteger calls = new AtomicInteger();
  private volatile RuntimeException failNext;

  @AfterEach
  void stop() {
    holds.forEach(CountDownLatch::countDown);
    threads.shutdownNow();
  }

  private CoalescedCharges charges(int maxBatch, long timeoutMillis, int heldCalls) {
    for (int i = 0; i < heldCalls; i++) {
      holds.add(new CountDownLatch(1));
    }
    return new CoalescedCharges(maxBatch, timeoutMillis, (batch, deadline) -> {
      int call = calls.getAndIncrement();
      sent.add(List.copyOf(batch));
      if (call < holds.size()) {
        try {
          holds.get(call).await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      RuntimeException f = failNext;
      if (f != null) {
        throw f;
      }
      ChargeResult[] answers = new ChargeResult[batch.size()];
      for (int i = 0; i < answers.length; i++) {
        answers[i] = ChargeResult.of(true, new long[] {batch.get(i).credits() * 10 + i}, null);
      }
      return answers;
    });
  }

  private static ChargeRequest charge(String client, long credits) {
    return charge(client, MINUTE, credits);
  }

  private static ChargeRequest charge(String client, WindowSlot window, long credits) {
    return new ChargeRequest(client, List.of(window), credits, ChargeMode.CHARGE, null, 0, null, 0, 0,
        Map.of(), 1_000, null, null);
  }

  private Future<Long> async(CoalescedCharges c, String client, long credits) {
    return threads.submit(() -> c.charge(charge(client, credits)).used()[0]);
  }

  private List<ChargeRequest> nextBatch() throws InterruptedException {
    List<ChargeRequest> batch = sent.poll(30, TimeUnit.SECONDS);
    assertThat(batch).as("a call was sent").isNotNull();
    return batch;
  }

  /** Waits until {@code n} charges queue behind the calls in flight (they park; nothing else tells). */
  private static void awaitQueued(CoalescedCharges c, int n) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (c.waiting() < n) {
      assertThat(System.nanoTime() - end).as("charges queued").isNegative();
      Thread.onSpinWait();
    }
  }

  @Test
  void aChargeFindingACallFreeGoesAtOnceAlone() {
    CoalescedCharges c = charges(64, 5_000, 0);
    assertThat(c.charge(charge("a", 3)).used()[0]).isEqualTo(30);
    assertThat(c.charge(charge("b", 4)).used()[0]).isEqualTo(40);
    assertThat(sent).extracting(List::size).containsExactly(1, 1);
  }

  @Test
  void aClientsChargesOfOtherWindowsDoNotWaitForItsCallNorGoWithIt() throws Exception {
    CoalescedCharges c = charges(64, 30_000, 1);
    WindowSlot next = new WindowSlot("minute", 60_000, 120_000, 1_000);
    Future<Long> first = async(c, "a", 1);
    nextBatch();
    assertThat(c.charge(charge("a", next, 2)).used()[0]).as("the next minute's charge went at once").isEqualTo(20);
    holds.get(0).countDown();
    assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(10);
    assertThat(nextBatch()).extracting(r -> r.windows().get(0)).containsExactly(next);
  }

  @Test
  void aClientsChargesArrivingWhileItsCallIsInFlightGoTogetherInItsNextCallEachWithItsOwnAnswer()
      throws Exception {
    CoalescedCharges c = charges(64, 30_000, 1);
    Future<Long> first = async(c, "a", 1);
    assertThat(nextBatch()).hasSize(1);
    List<Future<Long>> later = new ArrayList<>();
    for (int i = 2; i <= 6; i++) {
      later.add(async(c, "a", i));
      awaitQueued(c, i - 1);
    }
    assertThat(c.charge(charge("b", 9)).used()[0]).as("another client does not wait").isEqualTo(90);
    assertThat(nextBatch()).extracting(ChargeRequest::clientId).containsExactly("b");
    holds.get(0).countDown();
    assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(10);
    List<ChargeRequest> batch = nextBatch();
    assertThat(batch).extracting(ChargeRequest::credits).containsExactly(2L, 3L, 4L, 5L, 6L);
    for (int i = 0; i < later.size(); i++) {
      long credits = i + 2;
      assertThat(later.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(credits * 10 + i);
    }
    assertThat(calls).hasValue(3);
    assertThat(c.waiting()).isZero();
    assertThat(c.clientsInFlight()).isZero();
  }

  @Test
  void aBatchCarriesAtMostMaxBatchChargesAndTheRestGoInTheCallAfter() throws Exception {
    CoalescedCharges c = charges(3, 30_000, 2);
    Future<Long> first = async(c, "a", 1);
    nextBatch();
    List<Future<Long>> later = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      later.add(async(c, "a", 10 + i));
      awaitQueued(c, i);
    }
    holds.get(0).countDown();
    assertThat(nextBatch()).extracting(ChargeRequest::credits).containsExactly(11L, 12L, 13L);
    holds.get(1).countDown();
    assertThat(nextBatch()).extracting(ChargeRequest::credits).containsExactly(14L, 15L);
    assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(10);
    assertThat(later.get(4).get(30, TimeUnit.SECONDS)).isEqualTo(151);
  }

  @Test
  void aChargeQueuedPastItsDeadlineFailsUnsentAndTheCallStaysUsable() throws Exception {
    CoalescedCharges c = charges(64, 200, 1);
    Future<Long> first = async(c, "a", 1);
    nextBatch();
    CompletableFuture<Long> queued = CompletableFuture.supplyAsync(() -> c.charge(charge("a", 2)).used()[0], threads);
    assertThatThrownBy(() -> queued.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(UsageStoreException.class)
        .hasMessageContaining("within its timeout of 200 ms")
        .hasMessageContaining("was not sent");
    assertThat(c.waiting()).isZero();
    holds.get(0).countDown();
    assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(10);
    assertThat(c.charge(charge("a", 3)).used()[0]).isEqualTo(30);
    assertThat(sent).extracting(b -> b.get(0).credits()).containsExactly(3L);
  }

  @Test
  void aFailedCallFailsEveryChargeOfItsBatchEachWithItsOwnException() throws Exception {
    CoalescedCharges c = charges(64, 30_000, 2);
    Future<Long> first = async(c, "a", 1);
    nextBatch();
    Future<Long> second = async(c, "a", 2);
    awaitQueued(c, 1);
    Future<Long> third = async(c, "a", 3);
    awaitQueued(c, 2);
    holds.get(0).countDown();
    assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(10);
    assertThat(nextBatch()).extracting(ChargeRequest::credits).containsExactly(2L, 3L);
    failNext = new UsageStoreException("database down");
    holds.get(1).countDown();
    List<Throwable> failures = new ArrayList<>();
    for (Future<Long> f : List.of(second, third)) {
      try {
        f.get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        failures.add(e.getCause());
      }
    }
    assertThat(failures).hasSize(2).allSatisfy(e -> assertThat(e).isInstanceOf(UsageStoreException.class)
        .hasMessageContaining("database down"));
    assertThat(failures).doesNotHaveDuplicates();
    failNext = null;
    assertThat(c.charge(charge("d", 4)).used()[0]).as("the calls are free again").isEqualTo(40);
  }

  @Test
  void manyThreadsGetEveryAnswerOfTheirOwnChargeInBatchesOfOneClient() throws Exception {
    CoalescedCharges c = charges(8, 30_000, 0);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      results.add(threads.submit(() -> {
        for (int i = 0; i < 2_000; i++) {
          long credits = thread * 10_000L + i;
          long answer = c.charge(charge("client-" + thread % 2, credits)).used()[0];
          if (answer / 10 != credits) {
            return false;
          }
        }
        return true;
      }));
    }
    for (Future<Boolean> r : results) {
      assertThat(r.get(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(c.waiting()).isZero();
    assertThat(c.clientsInFlight()).isZero();
    int total = 0;
    for (List<ChargeRequest> b : sent) {
      assertThat(b.size()).isBetween(1, 8);
      assertThat(b).extracting(ChargeRequest::clientId).containsOnly(b.get(0).clientId());
      total += b.size();
    }
    assertThat(total).isEqualTo(16_000);
  }
}
