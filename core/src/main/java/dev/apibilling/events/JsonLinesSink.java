package dev.apibilling.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;

/**
 * Appends each event as one line of JSON (a CloudEvents 1.0 object) to a file, and forces it to disk
 * before the batch counts as delivered, so a crash loses nothing (a batch delivered again after a crash
 * appends its lines again: readers deduplicate by id). The file is opened for each batch, so it may be
 * rotated between batches.
 */
public final class JsonLinesSink implements EventSink {

  private final Path file;

  /** A sink appending to {@code file}, created if missing. */
  public JsonLinesSink(Path file) {
    this.file = Objects.requireNonNull(file, "file");
  }

  @Override
  public void deliver(List<String> events) throws IOException {
    StringBuilder b = new StringBuilder(events.size() * 400);
    for (String e : events) {
      b.append(e).append('\n');
    }
    ByteBuffer bytes = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      while (bytes.hasRemaining()) {
        ch.write(bytes);
      }
      ch.force(false);
    }
  }

  @Override
  public String toString() {
    return "JsonLinesSink[" + file + "]";
  }
}
