package dev.apibilling;

import dev.apibilling.spi.WindowSlot;
import java.util.List;

/** How a plan change relates the windows before it to the windows after it. */
final class KeptWindows {

  private KeptWindows() {}

  /**
   * Whether a window of {@code after} keeps the usage of a window of {@code before} (same policy name,
   * same start) but ends later, so that the store must keep its count longer than it was told.
   */
  static boolean endLater(List<WindowSlot> before, List<WindowSlot> after) {
    for (WindowSlot a : after) {
      for (WindowSlot b : before) {
        if (a.policy().equals(b.policy()) && a.start() == b.start() && a.end() > b.end()) {
          return true;
        }
      }
    }
    return false;
  }
}
