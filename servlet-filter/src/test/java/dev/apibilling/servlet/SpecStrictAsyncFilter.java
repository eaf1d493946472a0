package dev.apibilling.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;

/**
 * Makes {@code isAsyncStarted()} behave as the Servlet javadoc words it, false as soon as
 * {@code AsyncContext.dispatch()} was called (Jetty keeps it true until the dispatch happens), so a test
 * shows the filter does not depend on Jetty's reading.
 */
final class SpecStrictAsyncFilter implements Filter {

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    chain.doFilter(new Strict((HttpServletRequest) req), res);
  }

  private static final class Strict extends HttpServletRequestWrapper {
    private volatile boolean dispatched;

    Strict(HttpServletRequest request) {
      super(request);
    }

    @Override
    public boolean isAsyncStarted() {
      return !dispatched && super.isAsyncStarted();
    }

    @Override
    public AsyncContext startAsync() {
      return new Tracking(super.startAsync());
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
      return new Tracking(super.startAsync(request, response));
    }

    private final class Tracking implements AsyncContext {
      private final AsyncContext delegate;

      Tracking(AsyncContext delegate) {
        this.delegate = delegate;
      }

      @Override
      public ServletRequest getRequest() {
        return delegate.getRequest();
      }

      @Override
      public ServletResponse getResponse() {
        return delegate.getResponse();
      }

      @Override
      public boolean hasOriginalRequestAndResponse() {
        return delegate.hasOriginalRequestAndResponse();
      }

      @Override
      public void dispatch() {
        dispatched = true;
        delegate.dispatch();
      }

      @Override
      public void dispatch(String path) {
        dispatched = true;
        delegate.dispatch(path);
      }

      @Override
      public void dispatch(ServletContext context, String path) {
        dispatched = true;
        delegate.dispatch(context, path);
      }

      @Override
      public void complete() {
        delegate.complete();
      }

      @Override
      public void start(Runnable run) {
        delegate.start(run);
      }

      @Override
      public void addListener(AsyncListener listener) {
        delegate.addListener(listener);
      }

      @Override
      public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
        delegate.addListener(listener, request, response);
      }

      @Override
      public <T extends AsyncListener> T createListener(Class<T> type) throws ServletException {
        return delegate.createListener(type);
      }

      @Override
      public void setTimeout(long timeout) {
        delegate.setTimeout(timeout);
      }

      @Override
      public long getTimeout() {
        return delegate.getTimeout();
      }
    }
  }
}
