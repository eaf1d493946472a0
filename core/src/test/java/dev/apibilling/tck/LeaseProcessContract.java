package dev.apibilling.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStores;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Leases across processes: {@link LeaseWorker}s in their own JVMs (the test class path) share one budget
 * on a real store, and one is killed with its lease open ({@link LeaseCrashContract}). A store's test extends this class and returns a store URL that
 * {@link UsageStores#open} opens in the worker, with data private to the run.
 */
public abstract class LeaseProcessContract extends LeaseCrashContract {

  /** A store URL, opened in this JVM and in the workers, whose data no other run sees. */
  protected abstract String storeUrl();

  @Test
  void twoLeasingProcessesNeverGrantMoreThanTheLimitAndTheStoreCountsWhatTheyGranted() throws Exception {
    long limit = 6_000;
    List<Process> workers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      workers.add(start("hammer", storeUrl(), client, Long.toString(limit), "800", Integer.toString(i)));
    }
    long granted = 0;
    long local = 0;
    for (Process p : workers) {
      String[] line = lastLine(p).split(" ");
      assertThat(line[0]).as("worker output").isEqualTo("granted");
      granted += Long.parseLong(line[1]);
      local += Long.parseLong(line[3]);
    }
    assertThat(granted).isLessThanOrEqualTo(limit);
    assertThat(local).as("decisions made from leases").isPositive();
    assertThat(used(limit)).as("the store counts what was granted").isEqualTo(granted);
  }

  @Test
  void aLeasingProcessKilledWhileItsThreadsGrantLosesNoGrantedCredit() throws Exception {
    long limit = 20_000;
    Instant at = Instant.parse("2026-03-10T13:00:00Z");
    Process worker = start("spin", storeUrl(), client, Long.toString(limit), Long.toString(at.toEpochMilli()), "7");
    BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
    long granted = 0;
    try {
      for (String line = out.readLine(); line != null && granted < 2_000; line = out.readLine()) {
        granted = Math.max(granted, Long.parseLong(line));
      }
    } finally {
      worker.toHandle().destroyForcibly(); // SIGKILL; unlike Process.destroyForcibly it leaves the pipe readable
      assertThat(worker.waitFor(30, TimeUnit.SECONDS)).as("worker killed").isTrue();
    }
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      granted = Math.max(granted, Long.parseLong(line));
    }
    assertThat(granted).as("granted before the kill").isGreaterThanOrEqualTo(2_000);
    // Two chunks (the one in use and the one drawn ahead), each a quarter of the largest block (maxShare of
    // the limit); and per thread a few credits of a chunk being ended or a reservation open at the kill.
    long stranded = 2 * (long) (limit * CRASHING.maxShare()) / 4 + 4 * 2 * 3;
    try (UsageStore store = newStore()) {
      Instant expired = at.plus(CRASHING.ttl());
      long after = usedAt(store, expired, limit);
      assertThat(after).as("nothing granted is given back").isGreaterThanOrEqualTo(granted);
      assertThat(after - granted).as("stranded").isLessThanOrEqualTo(stranded);
      long survived = survive(store, expired, limit);
      assertThat(granted + survived).as("granted by both instances").isLessThanOrEqualTo(limit);
      assertThat(survived).isEqualTo(limit - after);
    }
  }

  /** A {@code hold} worker that grants, then is killed with {@code kill -9} (SIGKILL) with its lease open. */
  @Override
  protected long grantThenCrash(String client, long limit, Instant at) throws Exception {
    Process worker = start("hold", storeUrl(), client, Long.toString(limit), Long.toString(at.toEpochMilli()),
        Integer.toString(DECISIONS));
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).as("worker output").isNotNull().startsWith("held ");
      return Long.parseLong(line.substring(5));
    } finally {
      worker.destroyForcibly();
      assertThat(worker.waitFor(30, TimeUnit.SECONDS)).as("worker killed").isTrue();
    }
  }

  @Override
  protected UsageStore newStore() {
    return UsageStores.open(storeUrl());
  }

  /** The client's count now, after the store has given back expired reservations (a check does). */
  private long used(long limit) {
    try (UsageStore store = UsageStores.open(storeUrl());
        ApiBilling billing = ApiBilling.builder().store(store).build()) {
      billing.updateClientQuotas(client, List.of(QuotaDefinition.of(QuotaDuration.DAY, limit).named("day")));
      billing.check(client, 1);
      return billing.status(client).quotas().get(0).used();
    }
  }

  private static Process start(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), LeaseWorker.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static String lastLine(Process p) throws Exception {
    String last = null;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        last = line;
      }
    }
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("worker finished").isTrue();
    assertThat(p.exitValue()).as("worker exit code").isZero();
    return String.valueOf(last);
  }
}
