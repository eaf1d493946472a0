/**
 * Export of usage events: {@link dev.apibilling.events.UsageEventExporter} drains what a store recorded
 * to an {@link dev.apibilling.events.EventSink} (HTTP CloudEvents, JSON lines, or code).
 */
@NullMarked
package dev.apibilling.events;

import org.jspecify.annotations.NullMarked;
