package dev.apibilling.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

/**
 * Settles a request that went asynchronous when its {@code AsyncContext} completes, with the final status
 * (500 after an error), through its {@link Settlement}.
 */
final class AsyncSettlement {

  private final Settlement settlement;

  AsyncSettlement(Settlement settlement) {
    this.settlement = settlement;
  }

  /**
   * Settles {@code billed} when {@code async} completes, judging the request and response given here (the
   * response of the completion event if null). They are not taken from {@code async}: a fast handler may
   * already have called {@code dispatch()}, after which {@code getRequest()} throws, while the status is
   * not final yet.
   *
   * @throws IllegalStateException if the async cycle already ended
   */
  void listen(BilledRequest billed, AsyncContext async, ServletRequest request, @Nullable ServletResponse response) {
    if (billed.markListening()) {
      try {
        async.addListener(new SettleOnCompletion(billed, request, response));
      } catch (IllegalStateException e) {
        billed.clearListening();
        throw e;
      }
    }
  }

  /** {@code request} wrapped so that starting async mode registers the settlement at once. */
  HttpServletRequest aware(HttpServletRequest request, BilledRequest billed) {
    return new AsyncAwareRequest(request, billed);
  }

  /** Registers settlement the moment the handler starts async mode. */
  private final class AsyncAwareRequest extends HttpServletRequestWrapper {
    private final BilledRequest billed;

    AsyncAwareRequest(HttpServletRequest request, BilledRequest billed) {
      super(request);
      this.billed = billed;
    }

    @Override
    public AsyncContext startAsync() {
      AsyncContext async = super.startAsync();
      listen(billed, async, async.getRequest(), async.getResponse()); // before the handler can dispatch
      return async;
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
      AsyncContext async = super.startAsync(request, response);
      listen(billed, async, request, response);
      return async;
    }
  }

  private final class SettleOnCompletion implements AsyncListener {
    private final BilledRequest billed;
    private final ServletRequest request;
    private final @Nullable ServletResponse response;
    private volatile boolean errored;

    SettleOnCompletion(BilledRequest billed, ServletRequest request, @Nullable ServletResponse response) {
      this.billed = billed;
      this.request = request;
      this.response = response;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      ServletResponse res = response != null ? response : event.getSuppliedResponse();
      int status = res instanceof HttpServletResponse r ? r.getStatus() : 500;
      settlement.settle(billed, request, errored ? 500 : status);
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      // the outcome is judged by the status the request completes with
    }

    @Override
    public void onError(AsyncEvent event) {
      errored = true;
      RuntimeException refusal = BillingRefusals.find(event.getThrowable());
      if (refusal != null) {
        BillingRefusals.mark(request, BillingRefusals.status(refusal));
      }
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      event.getAsyncContext().addListener(this);
    }
  }
}
