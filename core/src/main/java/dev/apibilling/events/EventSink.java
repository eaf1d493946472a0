package dev.apibilling.events;

import dev.apibilling.UsageEvent;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where a {@link UsageEventExporter} delivers usage events. A delivery returns normally only when the
 * receiver accepted every event of the batch; otherwise it throws, and the exporter delivers the same
 * batch again (so receivers see each event at least once and deduplicate by id). Called by one thread
 * at a time per exporter.
 */
public interface EventSink extends AutoCloseable {

  /**
   * Delivers a batch of events, each a CloudEvents 1.0 JSON object ({@link UsageEvent#toJson()}), in
   * record order.
   *
   * @throws EventRejectedException if the receiver refused the batch for good (it is retried a few
   *     times, then dead-lettered)
   * @throws Exception for any other failure (the batch is retried with backoff until it is accepted)
   */
  void deliver(List<String> events) throws Exception;

  /** Releases what the sink holds. The default does nothing. */
  @Override
  default void close() {}

  /**
   * A sink that hands the events to code, parsed. The consumer throws to have the batch delivered again.
   */
  static EventSink callback(Consumer<List<UsageEvent>> consumer) {
    Objects.requireNonNull(consumer, "consumer");
    return events -> {
      List<UsageEvent> parsed = new ArrayList<>(events.size());
      for (String e : events) {
        parsed.add(UsageEvent.fromJson(e));
      }
      consumer.accept(parsed);
    };
  }

  /** A sink appending one CloudEvents JSON object per line to {@code file}: see {@link JsonLinesSink}. */
  static EventSink jsonLines(Path file) {
    return new JsonLinesSink(file);
  }

  /**
   * A sink posting batches of CloudEvents to {@code endpoint} (e.g. OpenMeter's
   * {@code https://openmeter.example/api/v1/events}) with the default settings: see
   * {@link HttpEventSink#builder(URI)}.
   */
  static EventSink cloudEventsHttp(URI endpoint) {
    return HttpEventSink.builder(endpoint).build();
  }
}
