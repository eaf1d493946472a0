package dev.apibilling.samples.spring;

import dev.apibilling.servlet.BillingProblem;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.HttpStatus;

/**
 * Tomcat's report of errors that Spring never sees (a malformed URI, header fields too large): an
 * {@code application/problem+json} body, as billing's own 401, 403 and 429 and Spring's problem details have,
 * instead of Tomcat's HTML page. Never a stack trace; a 5xx says no more than its status.
 */
public final class ProblemReportValve extends ErrorReportValve {

  public ProblemReportValve() {}

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    // as Tomcat's own: nothing for a success, for a response already written or already reported
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    AtomicBoolean writable = new AtomicBoolean();
    response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, writable);
    if (!writable.get()) {
      return;
    }
    HttpStatus known = HttpStatus.resolve(status);
    String title = known != null ? known.getReasonPhrase() : "Error";
    String message = response.getMessage();
    String detail = status < 500 && message != null && !message.isBlank() ? message : title;
    byte[] json = new BillingProblem(URI.create("about:blank"), title, status, detail, Map.of(), Map.of())
        .toJson();
    try {
      response.setContentType(BillingProblem.CONTENT_TYPE);
      response.setContentLength(json.length);
      response.getOutputStream().write(json);
      response.finishResponse();
    } catch (IOException | IllegalStateException e) {
      // the client is gone or the response cannot take a body: nothing more to tell it
    }
  }
}
