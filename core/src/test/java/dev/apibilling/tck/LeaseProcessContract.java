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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Leases across processes: {@link LeaseWorker}s in their own JVMs (the test class path, the system clock)
 * share one budget on a real store. A store's test extends this class and returns a store URL that
 * {@link UsageStores#open} opens in the worker, with data private to the run.
 */
public abstract class LeaseProcessContract {

  private final String client = "proc-" + UUID.randomUUID().toString().substring(0, 8);

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
  void aKilledLeasingProcessesBlockReturnsWithinTheLeaseTtl() throws Exception {
    long limit = 100_000;
    Process worker = start("hold", storeUrl(), client, Long.toString(limit));
    BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).as("worker output").isNotNull().startsWith("held ");
    assertThat(Long.parseLong(line.substring(5))).as("leases taken").isPositive();
    long held = used(limit);
    assertThat(held).as("the block is held in the store").isGreaterThan(40);
    long killedAt = System.nanoTime();
    worker.destroyForcibly();
    assertThat(worker.waitFor(10, TimeUnit.SECONDS)).isTrue();
    long deadline = killedAt + LeaseWorker.SHORT.ttl().toNanos() + TimeUnit.SECONDS.toNanos(3);
    long now = used(limit);
    while (now > 40 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      now = used(limit);
    }
    assertThat(now).as("unused block returned within the TTL (held %d before the kill)", held)
        .isLessThanOrEqualTo(40);
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
