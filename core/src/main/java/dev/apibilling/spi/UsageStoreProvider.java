package dev.apibilling.spi;

/**
 * Opens a {@link UsageStore} from a connection URL, so applications (and the servlet filter's
 * {@code store} init-param) pick a store with one string. Store modules register an implementation in
 * {@code META-INF/services/dev.apibilling.spi.UsageStoreProvider}; {@link UsageStores#open} finds it.
 */
public interface UsageStoreProvider {

  /** Whether this provider opens {@code url} (judged by its scheme, e.g. {@code redis://}). */
  boolean supports(String url);

  /**
   * Opens a store; the caller closes it.
   *
   * @throws IllegalArgumentException if the URL is malformed
   * @throws UsageStoreException if the backend cannot be reached
   */
  UsageStore open(String url);
}
