package dev.apibilling.jdbc;

import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.WindowSlot;
import java.sql.SQLTimeoutException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Concurrent charges of one client sent together: while a call with charges of a client is in flight,
 * that client's next charges of the same windows wait, and when it returns the next call carries every one
 * waiting by then (up to {@code maxBatch}), each still checked and deducted on its own, all in one
 * transaction. (Charges of other windows, e.g. after a window's end, go in calls of their own: a batch
 * locks one set of rows, in the order every routine locks them.) A client's charges serialize on its
 * window rows in the database anyway; here they queue in the JVM instead, one transaction (and one WAL
 * flush) per batch rather than per charge. A charge of a client with no call in
 * flight goes at once, alone; different clients never wait for each other. The calls run on the callers'
 * threads: the caller whose charge heads a batch sends it and hands the answers to the others.
 *
 * <p>Deadlines: a charge waiting in the queue gives up at its own deadline without having been sent
 * (so it changed nothing); a batch's call has the deadline of its oldest charge.
 */
final class CoalescedCharges {

  /** Sends one batch as one store call and returns one answer per charge, in the batch's order. */
  interface Sender {
    ChargeResult[] send(List<ChargeRequest> batch, Deadline deadline);
  }

  private static final int WAITING = 0;
  private static final int TAKEN = 1;
  private static final int LEADING = 2;
  private static final int ANSWERED = 3;

  private final int maxBatch;
  private final long timeoutMillis;
  private final Sender sender;
  /** The clients with a call in flight; a lane leaves the map when its call returns with no one waiting. */
  private final ConcurrentHashMap<LaneKey, Lane> lanes = new ConcurrentHashMap<>();

  CoalescedCharges(int maxBatch, long timeoutMillis, Sender sender) {
    this.maxBatch = maxBatch;
    this.timeoutMillis = timeoutMillis;
    this.sender = sender;
  }

  /** The store's answer to {@code request}, sent alone or with the client's charges waiting when it goes. */
  ChargeResult charge(ChargeRequest request) {
    Waiter self = new Waiter(request, Deadline.in(timeoutMillis));
    LaneKey key = new LaneKey(request.clientId(), request.windows());
    Lane lane;
    boolean leads;
    while (true) {
      lane = lanes.get(key);
      if (lane == null) {
        Lane mine = new Lane(key);
        lane = lanes.putIfAbsent(key, mine);
        if (lane == null) {
          self.lane = mine;
          leads = true; // a new lane is born busy with this charge's call
          break;
        }
      }
      synchronized (lane) {
        if (lane.retired) {
          continue;
        }
        self.lane = lane;
        lane.queue.add(self);
        leads = false;
        break;
      }
    }
    List<Waiter> batch = leads ? List.of(self) : await(self);
    if (batch == null) {
      return self.answer();
    }
    try {
      send(batch);
    } finally {
      next(self.lane);
    }
    return self.answer();
  }

  /** The charges waiting for a call, of every client. */
  int waiting() {
    int n = 0;
    for (Lane lane : lanes.values()) {
      synchronized (lane) {
        n += lane.queue.size();
      }
    }
    return n;
  }

  /** The clients (and windows) with a call in flight. */
  int clientsInFlight() {
    return lanes.size();
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
        long left = self.deadline.nanosLeft();
        if (state == WAITING && left <= 0) {
          synchronized (self.lane) {
            if (self.state == WAITING) {
              self.lane.queue.remove(self);
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
    Deadline earliest = batch.get(0).deadline;
    for (Waiter w : batch) {
      requests.add(w.request);
      earliest = w.deadline.before(earliest) ? w.deadline : earliest;
    }
    ChargeResult[] answers = null;
    Throwable failure = null;
    try {
      answers = sender.send(requests, earliest);
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
  private void next(Lane lane) {
    Waiter head = null;
    List<Waiter> expired = null;
    synchronized (lane) {
      ArrayDeque<Waiter> queue = lane.queue;
      List<Waiter> batch = null;
      while (!queue.isEmpty() && (batch == null || batch.size() < maxBatch)) {
        Waiter w = queue.poll();
        if (w.deadline.expired()) {
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
        lane.retired = true;
        lanes.remove(lane.key, lane);
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

  /** A client and the windows of its charge: only charges of the same windows go together. */
  private record LaneKey(String clientId, List<WindowSlot> windows) {}

  /** One client's charges of the same windows waiting behind their call in flight. */
  private static final class Lane {
    final LaneKey key;
    final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    /** No longer in the map: a charge that finds it retired looks again. */
    boolean retired;

    Lane(LaneKey key) {
      this.key = key;
    }
  }

  /** One charge and the thread waiting for its answer. */
  private static final class Waiter {
    final ChargeRequest request;
    final Deadline deadline;
    final Thread thread = Thread.currentThread();
    Lane lane;
    volatile int state = WAITING;
    List<Waiter> batch;
    @Nullable ChargeResult value;
    Throwable failure;

    Waiter(ChargeRequest request, Deadline deadline) {
      this.request = request;
      this.deadline = deadline;
    }

    /** Answers the charge with a timeout: it waited for a free call until its deadline, unsent. */
    void expire(long timeoutMillis) {
      failure = Failures.wrap("charge", new SQLTimeoutException(
          "the charge waited for a free call until its deadline and was not sent"), timeoutMillis);
      state = ANSWERED;
    }

    ChargeResult answer() {
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
      return Objects.requireNonNull(value);
    }
  }
}
