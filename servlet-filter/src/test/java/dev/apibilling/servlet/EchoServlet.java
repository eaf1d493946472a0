package dev.apibilling.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A handler whose behaviour the test picks with query parameters: {@code status=N}, {@code actual=N}
 * (request attribute), {@code report=N} ({@link BilledRequest#setActualCredits}), {@code throw=1},
 * {@code async=ok|fail|timeout|dispatch|inline}. Public for web.xml.
 */
public class EchoServlet extends HttpServlet {

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String actual = req.getParameter("actual");
    if (actual != null) {
      req.setAttribute(BilledRequest.ACTUAL_CREDITS_ATTRIBUTE, Long.parseLong(actual));
    }
    String report = req.getParameter("report");
    if (report != null) {
      BilledRequest.of(req).orElseThrow().setActualCredits(Long.parseLong(report));
    }
    if ("1".equals(req.getParameter("throw"))) {
      throw new IllegalStateException("handler failed (simulated)");
    }
    String statusText = req.getParameter("status") != null ? req.getParameter("status") : req.getHeader("X-Test-Status");
    int status = statusText == null ? 200 : Integer.parseInt(statusText);
    String async = req.getParameter("async");
    if (async == null) {
      write(req, resp, status);
      return;
    }
    if (req.getDispatcherType() == jakarta.servlet.DispatcherType.ASYNC) {
      write(req, resp, status); // the second dispatch of async=dispatch
      return;
    }
    AsyncContext ctx = req.startAsync();
    switch (async) {
      case "dispatch" -> ctx.dispatch();
      case "inline" -> {
        write(req, resp, status);
        ctx.complete();
      }
      case "timeout" -> ctx.setTimeout(200); // ends after this dispatch returns, even on a busy machine
      case "fail" -> ctx.start(() -> {
        try {
          write(req, resp, 503);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        ctx.complete();
      });
      default -> new Thread(() -> {
        try {
          write(req, resp, status);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        ctx.complete();
      }, "async-echo").start();
    }
  }

  private static void write(HttpServletRequest req, HttpServletResponse resp, int status) throws IOException {
    resp.setStatus(status);
    resp.setContentType("text/plain");
    String client = BilledRequest.of(req).map(BilledRequest::clientId).orElse("-");
    resp.getOutputStream().write(("ok " + client).getBytes(StandardCharsets.UTF_8));
  }
}
