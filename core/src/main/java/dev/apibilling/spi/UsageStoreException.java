package dev.apibilling.spi;

/**
 * The store could not answer: a timeout, a lost connection, a failed statement. For a remote store the
 * call may or may not have been applied (the command may have reached the server before the connection
 * failed): retry it under an idempotency key to be charged at most once. {@link dev.apibilling.ApiBilling}
 * releases a reservation whose reserve call failed, and retries a failed settlement, by reservation id.
 * HTTP layers turn this exception into their store-failure policy (fail open or fail closed).
 */
public class UsageStoreException extends RuntimeException {

  public UsageStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public UsageStoreException(String message) {
    super(message);
  }
}
