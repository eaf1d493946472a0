package dev.apibilling;

import dev.apibilling.spi.WindowSlot;
import java.util.List;

/** How a plan change relates the windows before it to the windows after it. */
final class KeptWindows {

  private KeptWindows() {}

  /**
   * Whether some window of {@code after} is not exactly a window of {@code before} (same policy name,
   * start and end): then a count the store keeps under that policy and start may need to live longer
   * than it was told (re-anchoring, a longer duration, or a start that an earlier plan counted in). A
   * change of limits alone moves no window.
   */
  static boolean moved(List<WindowSlot> before, List<WindowSlot> after) {
    for (WindowSlot a : after) {
      boolean same = false;
      for (WindowSlot b : before) {
        same |= a.policy().equals(b.policy()) && a.start() == b.start() && a.end() == b.end();
      }
      if (!same) {
        return true;
      }
    }
    return false;
  }
}
