package dev.apibilling.samples;

import dev.apibilling.servlet.BillingProblem;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The demo's answers to errors that the server raises itself, before or instead of the API: an unknown path,
 * an ambiguous URI, header fields too large, a malformed request. Each is {@code application/problem+json}
 * like billing's own 401, 403 and 429, never the container's HTML page and never a stack trace; a 5xx says
 * no more than its status.
 */
final class DemoErrors {

  private static final URI BLANK = URI.create("about:blank");

  private DemoErrors() {}

  /** The problem body for {@code status}, with {@code detail} if it is worth showing. */
  static byte[] problem(int status, @Nullable String detail) {
    String title = HttpStatus.getMessage(status);
    String shown = status < 500 && detail != null && !detail.isBlank() ? detail : title;
    return new BillingProblem(BLANK, title, status, shown, Map.of(), Map.of()).toJson();
  }

  /**
   * The error page of the web application ({@code <error-page>} in {@code web.xml}), for every method; asked
   * for directly, it is a 404 like any unknown path.
   */
  public static final class Page extends HttpServlet {

    public Page() {}

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
      Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
      int status = code instanceof Integer c ? c : HttpServletResponse.SC_NOT_FOUND;
      Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
      byte[] json = problem(status, message instanceof String m ? m : null);
      response.setStatus(status);
      response.setHeader("Cache-Control", "no-store");
      response.setContentType(BillingProblem.CONTENT_TYPE);
      response.setContentLength(json.length);
      if (!"HEAD".equals(request.getMethod())) {
        response.getOutputStream().write(json);
      }
    }
  }

  /**
   * The web application's error handler: Jetty's, dispatching to the error page for every method (Jetty's
   * own answers a {@code DELETE} or {@code PUT} with an empty body).
   */
  static final class PageHandler extends ErrorPageErrorHandler {

    @Override
    public boolean errorPageForMethod(String method) {
      return true;
    }
  }

  /** Jetty's error handler for what fails before any web application sees the request. */
  static final class Handler extends ErrorHandler {

    @Override
    public boolean errorPageForMethod(String method) {
      return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message,
        @Nullable Throwable cause, Callback callback) {
      // Jetty makes the message of any other cause its toString(): a class name is not for clients
      String detail = cause == null || cause instanceof HttpException ? message : null;
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, BillingProblem.CONTENT_TYPE);
      response.write(true, ByteBuffer.wrap(problem(code, detail)), callback);
    }
  }
}
