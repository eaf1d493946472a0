package dev.apibilling.servlet;

import dev.apibilling.Requirements;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * Keys kept as SHA-256 digests; lookups confirmed in constant time. Immutable but for a small pool of
 * {@link MessageDigest}s and buffers that lookups take and give back (no thread locals: a redeployed web
 * app's classes must not stay reachable from the server's threads), so a lookup of a key of up to
 * {@value #SCRATCH_BYTES} ASCII characters allocates nothing; the digests sit in an open-addressing table
 * probed by the presented digest's first bytes.
 */
final class HashedApiKeyRegistry implements ApiKeyRegistry {

  static final String PREFIX = "sha256:";
  private static final MessageDigest PROTOTYPE = newDigest();
  private static final int SCRATCH_BYTES = 128;
  private static final int POOL = 8;
  /**
   * Array elements between two pool slots: 32 references are at least 128 bytes (compressed), so no two
   * slots share a cache line and threads on different cores taking their own slots do not contend for one.
   */
  private static final int SPACING = 32;

  private final Map<Digest, String> clients;
  /** Stored digests by {@link Digest#hash}, linear probing, at most half full; null ends a probe. */
  private final byte[][] digests;
  private final String[] owners;
  private final int mask;
  /**
   * Scratch objects, taken by {@code getAndSet(slot, null)}, {@link #SPACING} elements apart; a thread
   * finding its slot empty makes one.
   */
  private final AtomicReferenceArray<Scratch> pool = new AtomicReferenceArray<>(POOL * SPACING);

  private HashedApiKeyRegistry(Map<Digest, String> clients) {
    this.clients = clients;
    int capacity = Integer.highestOneBit(Math.max(4, clients.size() * 2 - 1)) << 1;
    this.digests = new byte[capacity][];
    this.owners = new String[capacity];
    this.mask = capacity - 1;
    for (Map.Entry<Digest, String> e : clients.entrySet()) {
      int i = e.getKey().hash & mask;
      while (digests[i] != null) {
        i = (i + 1) & mask;
      }
      digests[i] = e.getKey().bytes;
      owners[i] = e.getValue();
    }
  }

  static HashedApiKeyRegistry of(Map<String, String> keysToClients) {
    Map<Digest, String> clients = new HashMap<>();
    int n = 0;
    for (Map.Entry<String, String> e : keysToClients.entrySet()) {
      n++;
      add(clients, e.getKey(), e.getValue(), "api key entry " + n);
    }
    return new HashedApiKeyRegistry(clients);
  }

  static HashedApiKeyRegistry parse(String text) {
    Map<Digest, String> clients = new HashMap<>();
    int n = 0;
    for (String line : text.split("\\R")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("#")) {
        continue;
      }
      for (String entry : trimmed.split(",")) {
        String e = entry.trim();
        if (e.isEmpty()) {
          continue;
        }
        n++;
        int eq = e.lastIndexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              "api key entry " + n + " must be 'key = clientId' but has no '=' after a key");
        }
        add(clients, e.substring(0, eq).trim(), e.substring(eq + 1).trim(), "api key entry " + n);
      }
    }
    return new HashedApiKeyRegistry(clients);
  }

  private static void add(Map<Digest, String> clients, String key, String client, String what) {
    try {
      Requirements.clientId(client);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException(what + " (client '" + client + "') has an empty key");
    }
    Digest d = new Digest(key.startsWith(PREFIX) ? parseHex(key.substring(PREFIX.length()), what, client)
        : digest(key));
    if (clients.putIfAbsent(d, client) != null) {
      throw new IllegalArgumentException(what + " (client '" + client + "') repeats a key given before");
    }
  }

  int size() {
    return clients.size();
  }

  @Override
  public @Nullable String clientOf(String apiKey) {
    int slot = ((int) Thread.currentThread().getId() & (POOL - 1)) * SPACING;
    Scratch scratch = pool.getAndSet(slot, null);
    if (scratch == null) {
      scratch = new Scratch();
    }
    String client = find(scratch.digest(apiKey));
    pool.setRelease(slot, scratch);
    return client;
  }

  /** The client of {@code presented}: found by a hash of the digest, confirmed with MessageDigest.isEqual. */
  private @Nullable String find(byte[] presented) {
    for (int i = Digest.hashOf(presented) & mask; ; i = (i + 1) & mask) {
      byte[] stored = digests[i];
      if (stored == null) {
        return null;
      }
      if (MessageDigest.isEqual(stored, presented)) {
        return owners[i];
      }
    }
  }

  static byte[] digest(String key) {
    MessageDigest md;
    try {
      md = (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      md = newDigest();
    }
    return md.digest(key.getBytes(StandardCharsets.UTF_8));
  }

  static String hex(byte[] bytes) {
    StringBuilder b = new StringBuilder(bytes.length * 2);
    for (byte x : bytes) {
      b.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
    }
    return b.toString();
  }

  private static byte[] parseHex(String hex, String what, String client) {
    if (hex.length() != 64) {
      throw new IllegalArgumentException(what + " (client '" + client + "') must be 'sha256:' and 64 hex"
          + " digits but had " + hex.length() + " characters after 'sha256:'");
    }
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      int hi = Character.digit(hex.charAt(2 * i), 16);
      int lo = Character.digit(hex.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        throw new IllegalArgumentException(
            what + " (client '" + client + "') must be 'sha256:' and 64 hex digits but has a non-hex digit");
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  @Override
  public String toString() {
    return "ApiKeyRegistry{" + clients.size() + " keys}";
  }

  /** A SHA-256 digest whose equality is decided in constant time. */
  private static final class Digest {
    private final byte[] bytes;
    private final int hash;

    Digest(byte[] bytes) {
      this.bytes = bytes;
      this.hash = hashOf(bytes);
    }

    static int hashOf(byte[] bytes) {
      return (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Digest d && MessageDigest.isEqual(bytes, d.bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** A SHA-256 and its buffers for one lookup at a time; the digest it returns is overwritten by the next. */
  private static final class Scratch {
    private final MessageDigest md = newDigestLike();
    private final byte[] in = new byte[SCRATCH_BYTES];
    private final byte[] out = new byte[32];

    byte[] digest(String key) {
      int n = key.length();
      int copied = 0;
      if (n <= in.length) {
        while (copied < n && key.charAt(copied) < 0x80) {
          in[copied] = (byte) key.charAt(copied);
          copied++;
        }
      }
      if (copied == n) {
        md.update(in, 0, n);
      } else {
        md.update(key.getBytes(StandardCharsets.UTF_8));
      }
      Arrays.fill(in, 0, copied, (byte) 0); // no key text left behind
      try {
        md.digest(out, 0, out.length);
      } catch (DigestException e) {
        throw new IllegalStateException("SHA-256 digest of 32 bytes", e);
      }
      return out;
    }

    private static MessageDigest newDigestLike() {
      try {
        return (MessageDigest) PROTOTYPE.clone();
      } catch (CloneNotSupportedException e) {
        return newDigest();
      }
    }
  }
}
