package dev.apibilling.servlet;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link ClientResolver} found: a client id, no credentials (answered 401), credentials that
 * name no client (answered 403), or credentials that contradict each other (answered 400). Immutable.
 *
 * @param outcome which of the four it is
 * @param clientId the client, for {@link Outcome#RESOLVED} only
 * @param challenge for {@link Outcome#MISSING}, the {@code WWW-Authenticate} value to send, or null
 */
public record ClientResolution(Outcome outcome, @Nullable String clientId, @Nullable String challenge) {

  private static final ClientResolution UNKNOWN = new ClientResolution(Outcome.UNKNOWN, null, null);
  private static final ClientResolution MISSING = new ClientResolution(Outcome.MISSING, null, null);
  private static final ClientResolution AMBIGUOUS = new ClientResolution(Outcome.AMBIGUOUS, null, null);

  /** The four outcomes. */
  public enum Outcome {
    /** The request is from {@link ClientResolution#clientId()}. */
    RESOLVED,
    /** The request carries no credentials: 401. */
    MISSING,
    /** The credentials are not those of a client: 403. */
    UNKNOWN,
    /** The request carries different credentials (say two different API keys): 400. */
    AMBIGUOUS
  }

  /** @throws IllegalArgumentException if a client id is given for an outcome other than RESOLVED, or missing for it */
  public ClientResolution {
    Objects.requireNonNull(outcome, "outcome");
    if ((outcome == Outcome.RESOLVED) != (clientId != null)) {
      throw new IllegalArgumentException("clientId must be given for RESOLVED and only for it");
    }
    if (challenge != null && outcome != Outcome.MISSING) {
      throw new IllegalArgumentException("challenge must be given only for MISSING");
    }
  }

  /** The request is from {@code clientId}. */
  public static ClientResolution resolved(String clientId) {
    return new ClientResolution(Outcome.RESOLVED, Objects.requireNonNull(clientId, "clientId"), null);
  }

  /** The request carries no credentials; no {@code WWW-Authenticate} challenge. */
  public static ClientResolution missing() {
    return MISSING;
  }

  /** The request carries no credentials; answer with {@code WWW-Authenticate: challenge}. */
  public static ClientResolution missing(String challenge) {
    return new ClientResolution(Outcome.MISSING, null, Objects.requireNonNull(challenge, "challenge"));
  }

  /** The credentials are not those of a client. */
  public static ClientResolution unknown() {
    return UNKNOWN;
  }

  /** The request carries different credentials, and which one is meant cannot be told. */
  public static ClientResolution ambiguous() {
    return AMBIGUOUS;
  }
}
