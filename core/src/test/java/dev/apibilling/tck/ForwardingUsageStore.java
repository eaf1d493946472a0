package dev.apibilling.tck;

import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageEventLog;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.WindowSlot;
import java.util.List;
import java.util.Optional;

/** A store that forwards every call to another; tests override the calls they want to watch or break. */
public abstract class ForwardingUsageStore implements UsageStore {

  /** The store calls are forwarded to. */
  protected abstract UsageStore delegate();

  @Override
  public ChargeResult charge(ChargeRequest request) {
    return delegate().charge(request);
  }

  @Override
  public boolean settle(SettleRequest request) {
    return delegate().settle(request);
  }

  @Override
  public long[] usage(String clientId, List<WindowSlot> windows, long now) {
    return delegate().usage(clientId, windows, now);
  }

  @Override
  public List<DayTotal> history(String clientId, long fromEpochDay, long toEpochDay) {
    return delegate().history(clientId, fromEpochDay, toEpochDay);
  }

  @Override
  public List<DayTotal> history(String clientId, String operation, long fromEpochDay, long toEpochDay) {
    return delegate().history(clientId, operation, fromEpochDay, toEpochDay);
  }

  @Override
  public long deleteHistory(String clientId, long fromEpochDay, long toEpochDay) {
    return delegate().deleteHistory(clientId, fromEpochDay, toEpochDay);
  }

  @Override
  public Optional<UsageEventLog> eventLog() {
    return delegate().eventLog();
  }

  @Override
  public void close() {
    delegate().close();
  }
}
