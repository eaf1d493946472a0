package dev.apibilling;

/**
 * The client has no quotas and the billing has no default plan: the caller is not a customer. Over
 * HTTP this is a 403, not a 429.
 */
public class UnknownClientException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String clientId;

  public UnknownClientException(String clientId) {
    super("client '" + clientId + "' has no quotas");
    this.clientId = clientId;
  }

  /** The client that was asked about. */
  public String clientId() {
    return clientId;
  }
}
