package dev.apibilling;

import java.util.List;

/** Helpers over lists of quota states. */
final class Quotas {

  private Quotas() {}

  /** Fewest remaining first; on a tie the shorter window (earlier reset), then the first defined. */
  static QuotaState lowest(List<QuotaState> quotas) {
    QuotaState best = quotas.get(0);
    for (int i = 1; i < quotas.size(); i++) {
      QuotaState q = quotas.get(i);
      int byRemaining = Long.compare(q.remaining(), best.remaining());
      if (byRemaining < 0
          || (byRemaining == 0
              && q.duration().nominalLength().compareTo(best.duration().nominalLength()) < 0)) {
        best = q;
      }
    }
    return best;
  }
}
