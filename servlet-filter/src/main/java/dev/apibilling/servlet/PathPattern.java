package dev.apibilling.servlet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The compiled path pattern of a {@link CostRule}, matched in one pass over the path without
 * backtracking, whatever the pattern: time linear in the path's length times the pattern's (in 64-bit
 * words), no allocation per path segment.
 *
 * <p>Two bit-parallel automata run together. The <em>segment automaton</em> has one state per pattern
 * segment other than {@code **}, and a final one: state {@code p} means "the first {@code p} such
 * segments have matched". State {@code p} moves on to {@code p + 1} when its segment matches the path's
 * segment, and if a {@code **} stands before its segment (or, for the final state, ends the pattern) it
 * also stays live on any segment, which is all {@code **} does. Which segments match is found while the
 * path's characters are read: literal segments by a hash of the segment's text and one table look-up,
 * glob segments ({@code *} inside) by a shift-and automaton over the characters of all the pattern's
 * globs at once (run only while a glob state is live). Immutable and thread safe.
 */
final class PathPattern {

  private static final int ASCII = 128;
  /** States fit in two 64-bit words: a pattern of at most 200 characters has at most 100 segments. */
  private static final int WORDS = 2;

  // ---- the segment automaton ------------------------------------------------------------------
  /** The final state: every segment of the pattern matched. */
  private final int last;
  /** Bits of the states a {@code **} keeps live on any segment. */
  private final long[] loops;
  /** Bits of states whose segment is a plain {@code *}: any one segment. */
  private final long[] anyOne;
  /** Bits of glob states. */
  private final long[] globStates;
  private final long[] none;

  // ---- literal segments: open-addressing table of hash, text, bits of the states expecting it -----
  private final boolean hasLiterals;
  private final int[] literalHash;
  private final String[] literalText;
  private final long[][] literalBits;

  // ---- glob segments: one shift-and automaton over the characters of every distinct glob ----------
  private final int globCount;
  private final int globWords;
  /** Per character: the glob positions holding it (ASCII in an array, others in a map). */
  private final long[][] asciiChars;
  private final Map<Character, long[]> otherChars;
  /** The first word of {@link #asciiChars}, for the usual one-word glob automaton. */
  private final long[] asciiOneWord;
  private final long[] noChar;
  /** Positions that start a glob: nothing shifts into them from the glob before. */
  private final long[] globFirst;
  /** Start positions of globs with a leading {@code *}: entered at any character of a segment. */
  private final long[] enterAnywhere;
  /** Start positions of the other globs: entered at a segment's first character only. */
  private final long[] enterAtStart;
  /** Last positions of pieces followed by a {@code *}: they stay set on any character. */
  private final long[] selfLoops;
  /** Per glob: its accepting position, and the bits of the segment states it stands for. */
  private final int[] globAccept;
  private final long[][] globStateBits;

  PathPattern(String[] segments) {
    List<String> steps = new ArrayList<>(segments.length);
    List<Boolean> looping = new ArrayList<>(segments.length + 1);
    boolean loop = false;
    for (String s : segments) {
      if (s.equals("**")) {
        loop = true;
      } else {
        steps.add(s);
        looping.add(loop);
        loop = false;
      }
    }
    looping.add(loop);
    int states = steps.size();
    last = states;
    if (states >= 2 * 64) {
      throw new IllegalArgumentException("a path pattern has at most 127 segments but had " + states);
    }
    loops = new long[WORDS];
    for (int p = 0; p <= states; p++) {
      if (looping.get(p)) {
        set(loops, p);
      }
    }
    anyOne = new long[WORDS];
    globStates = new long[WORDS];
    none = new long[WORDS];
    int slots = Integer.highestOneBit(Math.max(1, states) * 2) * 2;
    literalHash = new int[slots];
    literalText = new String[slots];
    literalBits = new long[slots][];
    List<String> globTexts = new ArrayList<>();
    List<long[]> globBits = new ArrayList<>();
    boolean literals = false;
    for (int p = 0; p < states; p++) {
      String s = steps.get(p);
      if (s.equals("*")) {
        set(anyOne, p);
      } else if (s.indexOf('*') < 0) {
        set(literalSlot(s), p);
        literals = true;
      } else {
        int g = globTexts.indexOf(s);
        if (g < 0) {
          g = globTexts.size();
          globTexts.add(s);
          globBits.add(new long[WORDS]);
        }
        set(globBits.get(g), p);
        set(globStates, p);
      }
    }
    hasLiterals = literals;

    globCount = globTexts.size();
    int positions = globTexts.stream().mapToInt(t -> t.replace("*", "").length()).sum();
    globWords = Math.max(1, (positions + 63) >>> 6);
    asciiChars = new long[ASCII][];
    otherChars = new HashMap<>();
    noChar = new long[globWords];
    globFirst = new long[globWords];
    enterAnywhere = new long[globWords];
    enterAtStart = new long[globWords];
    selfLoops = new long[globWords];
    globAccept = new int[globCount];
    globStateBits = globBits.toArray(new long[0][]);
    int q = 0;
    for (int g = 0; g < globCount; g++) {
      String glob = globTexts.get(g);
      String[] pieces = glob.split("\\*", -1);
      set(globFirst, q);
      set(glob.startsWith("*") ? enterAnywhere : enterAtStart, q);
      for (int k = 0; k < pieces.length; k++) {
        String piece = pieces[k];
        for (int j = 0; j < piece.length(); j++) {
          set(charBits(piece.charAt(j)), q);
          q++;
        }
        if (!piece.isEmpty() && k < pieces.length - 1) {
          set(selfLoops, q - 1);
        }
      }
      globAccept[g] = q - 1;
    }
    asciiOneWord = new long[ASCII];
    for (int c = 0; c < ASCII; c++) {
      asciiOneWord[c] = asciiChars[c] == null ? 0 : asciiChars[c][0];
    }
  }

  private long[] literalSlot(String literal) {
    int h = literal.hashCode();
    int mask = literalText.length - 1;
    int i = spread(h) & mask;
    while (literalText[i] != null && !literalText[i].equals(literal)) {
      i = (i + 1) & mask;
    }
    if (literalText[i] == null) {
      literalText[i] = literal;
      literalHash[i] = h;
      literalBits[i] = new long[WORDS];
    }
    return literalBits[i];
  }

  private long[] charBits(char c) {
    if (c < ASCII) {
      if (asciiChars[c] == null) {
        asciiChars[c] = new long[globWords];
      }
      return asciiChars[c];
    }
    return otherChars.computeIfAbsent(c, k -> new long[globWords]);
  }

  private long[] bitsOf(char c) {
    long[] bits = c < ASCII ? asciiChars[c] : otherChars.get(c);
    return bits == null ? noChar : bits;
  }

  private static int spread(int h) {
    return h ^ (h >>> 16);
  }

  /**
   * Whether {@code path} matches the whole pattern; its segments are the texts between {@code /},
   * empty ones left out.
   */
  boolean matches(String path) {
    long loop0 = loops[0];
    long loop1 = loops[1];
    long one0 = anyOne[0];
    long one1 = anyOne[1];
    long globbing0 = globStates[0];
    long globbing1 = globStates[1];
    long live0 = 1L;
    long live1 = 0L;
    long[] globs = globCount == 0 ? null : new long[globWords];
    int n = path.length();
    int start = 0;
    while (start < n) {
      if (path.charAt(start) == '/') {
        start++;
        continue;
      }
      boolean runGlobs = ((live0 & globbing0) | (live1 & globbing1)) != 0;
      if (runGlobs) {
        Arrays.fill(globs, 0);
      }
      int hash = 0;
      int end = start;
      if (runGlobs && globWords == 1) {
        // the usual case, all glob characters in one word: the automaton in a local
        long g = 0;
        long entered = enterAnywhere[0] | enterAtStart[0];
        for (char c; end < n && (c = path.charAt(end)) != '/'; end++) {
          hash = 31 * hash + c;
          long accepts = c < ASCII ? asciiOneWord[c] : bitsOf(c)[0];
          g = ((((g << 1) & ~globFirst[0]) | entered) & accepts) | (g & selfLoops[0]);
          entered = enterAnywhere[0];
        }
        globs[0] = g;
      } else {
        for (char c; end < n && (c = path.charAt(end)) != '/'; end++) {
          hash = 31 * hash + c;
          if (runGlobs) {
            step(globs, c, end == start);
          }
        }
      }
      long[] literal = hasLiterals ? literal(path, start, end, hash) : none;
      long moving0 = live0 & (one0 | literal[0]);
      long moving1 = live1 & (one1 | literal[1]);
      if (runGlobs) {
        long matched0 = 0;
        long matched1 = 0;
        for (int g = 0; g < globCount; g++) {
          int a = globAccept[g];
          if ((globs[a >>> 6] & (1L << a)) != 0) {
            matched0 |= globStateBits[g][0];
            matched1 |= globStateBits[g][1];
          }
        }
        moving0 |= live0 & matched0;
        moving1 |= live1 & matched1;
      }
      // a looping state stays live; a moving state p makes p + 1 live (bit 63 carries to the next word)
      live1 = (live1 & loop1) | (moving1 << 1) | (moving0 >>> 63);
      live0 = (live0 & loop0) | (moving0 << 1);
      if ((live0 | live1) == 0) {
        return false;
      }
      start = end;
    }
    return ((last < 64 ? live0 : live1) & (1L << last)) != 0;
  }

  /** One character through the glob automaton. */
  private void step(long[] d, char c, boolean first) {
    long[] accepts = bitsOf(c);
    long carry = 0;
    for (int w = 0; w < globWords; w++) {
      long old = d[w];
      long shifted = ((old << 1) | carry) & ~globFirst[w];
      carry = old >>> 63;
      long entered = enterAnywhere[w] | (first ? enterAtStart[w] : 0);
      d[w] = ((shifted | entered) & accepts[w]) | (old & selfLoops[w]);
    }
  }

  /** The bits of the literal states expecting {@code path[from, to)}, whose hash is {@code hash}. */
  private long[] literal(String path, int from, int to, int hash) {
    int mask = literalText.length - 1;
    for (int i = spread(hash) & mask; literalText[i] != null; i = (i + 1) & mask) {
      String text = literalText[i];
      if (literalHash[i] == hash && text.length() == to - from && path.regionMatches(from, text, 0, to - from)) {
        return literalBits[i];
      }
    }
    return none;
  }

  private static void set(long[] bits, int i) {
    bits[i >>> 6] |= 1L << i;
  }
}
