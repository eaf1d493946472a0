package dev.apibilling.servlet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The compiled path pattern of a {@link CostRule}, matched without backtracking: the pattern's segments
 * are the states of an automaton whose set of live states is carried over the path's segments as a bit
 * set, so one match costs at most (path length x pattern length) character steps for any pattern.
 *
 * <p>State {@code p} means "pattern segments before {@code p} have matched". A {@code **} state stays
 * live on any segment and also lets the next state live without consuming one; any other state moves on
 * when its segment matches. Runs of {@code **} are one {@code **} (they match the same paths). Literal
 * segments are found with one hash lookup per path segment; glob segments ({@code *} inside) are tried
 * only while live, each distinct glob once per path segment, and each glob runs left to right without
 * backtracking. Immutable and thread safe.
 */
final class PathPattern {

  private static final long[] NONE = new long[0];

  private final int states;
  private final int words;
  /** Bits of {@code **} states. */
  private final long[] anySegments;
  /** Bits of states whose segment is a plain {@code *}: any one segment. */
  private final long[] anyOne;
  /** Literal segment text to the bits of the states expecting it. */
  private final Map<String, long[]> literals;
  /** Per state: the index of its glob in {@link #globs}, or -1. */
  private final int[] globOf;
  private final String[][] globs;

  PathPattern(String[] segments) {
    List<String> collapsed = new ArrayList<>(segments.length);
    for (String s : segments) {
      if (!(s.equals("**") && !collapsed.isEmpty() && collapsed.get(collapsed.size() - 1).equals("**"))) {
        collapsed.add(s);
      }
    }
    this.states = collapsed.size();
    this.words = (states + 1 + 63) >>> 6;
    this.anySegments = new long[words];
    this.anyOne = new long[words];
    this.literals = new HashMap<>();
    this.globOf = new int[states];
    List<String> globTexts = new ArrayList<>();
    for (int p = 0; p < states; p++) {
      String s = collapsed.get(p);
      globOf[p] = -1;
      if (s.equals("**")) {
        set(anySegments, p);
      } else if (s.equals("*")) {
        set(anyOne, p);
      } else if (s.indexOf('*') < 0) {
        set(literals.computeIfAbsent(s, k -> new long[words]), p);
      } else {
        int g = globTexts.indexOf(s);
        if (g < 0) {
          g = globTexts.size();
          globTexts.add(s);
        }
        globOf[p] = g;
      }
    }
    this.globs = new String[globTexts.size()][];
    for (int g = 0; g < globs.length; g++) {
      globs[g] = globTexts.get(g).split("\\*", -1);
    }
  }

  /** Whether the path's segments (non-empty) match the whole pattern. */
  boolean matches(String[] path) {
    long[] live = new long[words];
    long[] next = new long[words];
    set(live, 0);
    closeOver(live);
    byte[] globResults = globs.length == 0 ? null : new byte[globs.length];
    for (String segment : path) {
      long[] literal = literals.isEmpty() ? NONE : literals.getOrDefault(segment, NONE);
      if (globResults != null) {
        Arrays.fill(globResults, (byte) 0);
      }
      boolean any = false;
      for (int w = 0; w < words; w++) {
        long moving = live[w] & (anyOne[w] | (literal.length == 0 ? 0 : literal[w]));
        if (globResults != null) {
          moving |= globMatches(live[w], w, segment, globResults);
        }
        // a live ** state stays live; a moving state p makes p + 1 live (carried across words)
        next[w] |= (live[w] & anySegments[w]) | (moving << 1);
        if (w + 1 < words) {
          next[w + 1] = moving >>> 63;
        }
        any |= next[w] != 0;
      }
      if (!any) {
        return false;
      }
      closeOver(next);
      long[] t = live;
      live = next;
      next = t;
      Arrays.fill(next, 0);
    }
    return get(live, states);
  }

  /** Bits of the live glob states of word {@code w} whose glob matches {@code segment}. */
  private long globMatches(long liveWord, int w, String segment, byte[] results) {
    long bits = 0;
    long candidates = liveWord;
    while (candidates != 0) {
      int bit = Long.numberOfTrailingZeros(candidates);
      candidates &= candidates - 1;
      int p = (w << 6) + bit;
      if (p >= states || globOf[p] < 0) {
        continue;
      }
      int g = globOf[p];
      if (results[g] == 0) {
        results[g] = glob(globs[g], segment) ? (byte) 1 : (byte) 2;
      }
      if (results[g] == 1) {
        bits |= 1L << bit;
      }
    }
    return bits;
  }

  /** A live {@code **} state makes the next state live too (runs are collapsed: one step suffices). */
  private void closeOver(long[] bits) {
    long carry = 0;
    for (int w = 0; w < words; w++) {
      long skip = bits[w] & anySegments[w];
      bits[w] |= (skip << 1) | carry;
      carry = skip >>> 63;
    }
  }

  /**
   * Whether {@code text} matches a glob given as the literal pieces between its {@code *}: the first
   * piece must start the text, the last must end it, and the others are found left to right in between.
   * Taking the leftmost occurrence of each is always safe, so no step is undone.
   */
  private static boolean glob(String[] pieces, String text) {
    String first = pieces[0];
    String last = pieces[pieces.length - 1];
    if (text.length() < first.length() + last.length() || !text.startsWith(first) || !text.endsWith(last)) {
      return false;
    }
    int from = first.length();
    int end = text.length() - last.length();
    for (int i = 1; i < pieces.length - 1; i++) {
      String piece = pieces[i];
      int at = text.indexOf(piece, from);
      if (at < 0 || at + piece.length() > end) {
        return false;
      }
      from = at + piece.length();
    }
    return true;
  }

  private static void set(long[] bits, int i) {
    bits[i >>> 6] |= 1L << i;
  }

  private static boolean get(long[] bits, int i) {
    return (bits[i >>> 6] & (1L << i)) != 0;
  }
}
