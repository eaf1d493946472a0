package dev.apibilling;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of a client's usage events, oldest first.
 *
 * @param events the events of this page
 * @param next the cursor of the next page (pass it to {@link ApiBilling#usageEvents}), or null on the last
 */
public record UsageEventPage(List<UsageEvent> events, @Nullable String next) {

  public UsageEventPage {
    events = List.copyOf(events);
  }
}
