package dev.apibilling.samples;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The demo's API under {@code /api/*}: {@code hello}, {@code report} and {@code fail}. It knows nothing about
 * billing: {@code ApiBillingFilter}, declared in {@code web.xml}, prices and charges every request before it
 * gets here. Thread safe.
 */
public final class DemoApiServlet extends HttpServlet {

  public DemoApiServlet() {}

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String path = request.getPathInfo() == null ? "" : request.getPathInfo();
    switch (path) {
      case "/hello" -> json(response, 200, "application/json",
          "{\"message\":\"Hello from a billed API\",\"credits\":1}");
      case "/report" -> json(response, 200, "application/json", report());
      case "/fail" -> json(response, 500, "application/problem+json",
          "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,"
              + "\"detail\":\"/api/fail always fails; failed requests are not charged\"}");
      default -> json(response, 404, "application/problem+json",
          "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
              + "\"detail\":\"the demo API has GET /api/hello, /api/report and /api/fail\"}");
    }
  }

  private static String report() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    StringBuilder rows = new StringBuilder();
    String[] regions = {"emea", "americas", "apac"};
    for (int i = 0; i < regions.length; i++) {
      if (i > 0) {
        rows.append(',');
      }
      rows.append("{\"region\":\"").append(regions[i]).append("\",\"orders\":")
          .append(random.nextInt(100, 1000)).append('}');
    }
    return "{\"report\":\"orders by region\",\"generatedAt\":\""
        + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\",\"rows\":[" + rows + "],\"credits\":5}";
  }

  private static void json(HttpServletResponse response, int status, String type, String body)
      throws IOException {
    response.setStatus(status);
    response.setContentType(type);
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.getWriter().write(body);
  }
}
