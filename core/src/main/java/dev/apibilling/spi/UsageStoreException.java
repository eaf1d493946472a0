package dev.apibilling.spi;

/**
 * The store could not answer: a timeout, a lost connection, a failed statement. Nothing is known to have
 * been deducted. HTTP layers turn it into their store-failure policy (fail open or fail closed).
 */
public class UsageStoreException extends RuntimeException {

  public UsageStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public UsageStoreException(String message) {
    super(message);
  }
}
