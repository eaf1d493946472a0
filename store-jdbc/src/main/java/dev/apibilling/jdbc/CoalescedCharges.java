package dev.apibilling.jdbc;

import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.UsageStoreException;
import java.sql.SQLTimeoutException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Concurrent charges sent together: at most {@code maxCalls} calls are in flight; a charge that arrives
 * while they all are waits, and the next call to go carries every charge waiting by then (up to
 * {@code maxBatch}), each one still checked and deducted on its own, all in one transaction. A charge
 * that finds a call free goes at once, alone. The calls run on the callers' threads: the caller whose
 * charge heads a batch sends it and hands the answers to the others.
 *
 * <p>Deadlines: a charge waiting in the queue gives up at its own deadline without having been sent
 * (so it changed nothing); a batch's call has the deadline of its oldest charge.
 */
final class CoalescedCharges {

  /** Sends one batch as one store call and returns one answer per charge, in the batch's order. */
  interface Sender {
    long[] send(List<ChargeRequest> batch, Deadline deadline);
  }

  private static final int WAITING = 0;
  private static final int TAKEN = 1;
  private static final int LEADING = 2;
  private static final int ANSWERED = 3;

  private final int maxCalls;
  private final int maxBatch;
  private final long timeoutMillis;
  private final Sender sender;
  private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
  private int inFlight;

  CoalescedCharges(int maxCalls, int maxBatch, long timeoutMillis, Sender sender) {
    this.maxCalls = maxCalls;
    this.maxBatch = maxBatch;
    this.timeoutMillis = timeoutMillis;
    this.sender = sender;
  }

  /** The store's answer to {@code request}, sent alone or with the charges waiting when it goes. */
  long charge(ChargeRequest request) {
    Waiter self = new Waiter(request, System.nanoTime() + timeoutMillis * 1_000_000L);
    List<Waiter> batch = null;
    synchronized (queue) {
      if (inFlight < maxCalls) {
        inFlight++;
        batch = List.of(self);
      } else {
        queue.add(self);
      }
    }
    if (batch == null) {
      batch = await(self);
      if (batch == null) {
        return self.answer();
      }
    }
    try {
      send(batch);
    } finally {
      next();
    }
    return self.answer();
  }

  /** The charges waiting for a call. */
  int waiting() {
    synchronized (queue) {
      return queue.size();
    }
  }

  /** Waits until the charge is answered (null) or heads a batch to send (that batch). */
  private List<Waiter> await(Waiter self) {
    boolean interrupted = false;
    try {
      while (true) {
        int state = self.state;
        if (state == ANSWERED) {
          return null;
        }
        if (state == LEADING) {
          return self.batch;
        }
        long left = self.endNanos - System.nanoTime();
        if (state == WAITING && left <= 0) {
          synchronized (queue) {
            if (self.state == WAITING) {
              queue.remove(self);
              self.expire(timeoutMillis);
              return null;
            }
          }
          continue;
        }
        // a taken charge waits for its batch's call, which ends by the deadline of the batch's oldest charge
        if (state == WAITING) {
          LockSupport.parkNanos(this, left);
        } else {
          LockSupport.park(this);
        }
        interrupted |= Thread.interrupted(); // the call cannot be abandoned half way: keep waiting
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void send(List<Waiter> batch) {
    List<ChargeRequest> requests = new ArrayList<>(batch.size());
    long end = batch.get(0).endNanos;
    for (Waiter w : batch) {
      requests.add(w.request);
      end = w.endNanos - end < 0 ? w.endNanos : end;
    }
    long[] answers = null;
    Throwable failure = null;
    try {
      answers = sender.send(requests, Deadline.until(end, timeoutMillis));
    } catch (Throwable e) {
      failure = e;
    }
    Thread me = Thread.currentThread();
    for (int i = 0; i < batch.size(); i++) {
      Waiter w = batch.get(i);
      if (failure == null) {
        w.value = answers[i];
      } else if (w.thread == me) {
        w.failure = failure;
      } else {
        // each caller gets its own exception (with its own stack trace), caused by the call's
        w.failure = failure instanceof IllegalArgumentException ? failure
            : new UsageStoreException(String.valueOf(failure.getMessage()), failure);
      }
      w.state = ANSWERED;
      if (w.thread != me) {
        LockSupport.unpark(w.thread);
      }
    }
  }

  /**
   * After a call: the charges waiting go as the next batch, headed by the oldest, or the call is free.
   * Charges past their deadline are answered with a timeout instead of being sent.
   */
  private void next() {
    Waiter head = null;
    List<Waiter> expired = null;
    synchronized (queue) {
      long now = System.nanoTime();
      List<Waiter> batch = null;
      while (!queue.isEmpty() && (batch == null || batch.size() < maxBatch)) {
        Waiter w = queue.poll();
        if (w.endNanos - now <= 0) {
          w.expire(timeoutMillis);
          (expired == null ? expired = new ArrayList<>() : expired).add(w);
          continue;
        }
        if (batch == null) {
          batch = new ArrayList<>(Math.min(maxBatch, queue.size() + 1));
          head = w;
        } else {
          w.state = TAKEN;
        }
        batch.add(w);
      }
      if (head == null) {
        inFlight--;
      } else {
        head.batch = batch;
        head.state = LEADING;
      }
    }
    if (expired != null) {
      for (Waiter w : expired) {
        LockSupport.unpark(w.thread);
      }
    }
    if (head != null) {
      LockSupport.unpark(head.thread);
    }
  }

  /** One charge and the thread waiting for its answer. */
  private static final class Waiter {
    final ChargeRequest request;
    final long endNanos;
    final Thread thread = Thread.currentThread();
    volatile int state = WAITING;
    List<Waiter> batch;
    long value;
    Throwable failure;

    Waiter(ChargeRequest request, long endNanos) {
      this.request = request;
      this.endNanos = endNanos;
    }

    /** Answers the charge with a timeout: it waited for a free call until its deadline, unsent. */
    void expire(long timeoutMillis) {
      failure = Failures.wrap("charge", new SQLTimeoutException(
          "the charge waited for a free call until its deadline and was not sent"), timeoutMillis);
      state = ANSWERED;
    }

    long answer() {
      Throwable f = failure;
      if (f instanceof RuntimeException) {
        throw (RuntimeException) f;
      }
      if (f instanceof Error) {
        throw (Error) f;
      }
      if (f != null) {
        throw new UsageStoreException(String.valueOf(f.getMessage()), f);
      }
      return value;
    }
  }
}
