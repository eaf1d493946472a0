package dev.apibilling.servlet;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what {@link RequestBilling} (or another class) logs (System.Logger goes to java.util.logging by default). */
final class LogCapture extends Handler implements AutoCloseable {

  private final Logger logger;
  final List<LogRecord> records = new CopyOnWriteArrayList<>();

  LogCapture() {
    this(RequestBilling.class);
  }

  /** What {@code source} logs. */
  LogCapture(Class<?> source) {
    logger = Logger.getLogger(source.getName());
    logger.addHandler(this);
  }

  List<String> warnings() {
    return records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
        .map(r -> r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown())).toList();
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
