package dev.apibilling.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.apibilling.tck.TestServers;
import java.io.File;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.NumberFormat;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The usage page in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver};
 * {@code .ci/install-browser} installs them): enter a key, make calls, watch the bars and the chart change,
 * and read each quota's forecast ("at this rate the minute runs out at ...", its projection bar and the
 * burn-rate line on the chart).
 * Skips when the browser is missing, unless {@code APIBILLING_REQUIRE_SERVERS=true} (CI), where it fails.
 * Leaves a screenshot in {@code target/usage-page.png}.
 *
 * <p>The driver and the browser are named by path, so Selenium Manager never looks for (or downloads)
 * either. Exact numbers are asserted on the month quota, which only these calls touch; the minute quota's
 * bar is checked for its limit, since a minute may end during the test.
 */
final class UsagePageIT {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(15);
  /** The browser's zone: not UTC and not a whole-hour offset, so a reset shown in UTC could not pass. */
  private static final ZoneId VIEWER_ZONE = ZoneId.of("America/St_Johns");
  /** Selenium warns that it has no DevTools bindings for this Chromium; the test uses none. */
  private static final Logger CDP_LOG = Logger.getLogger("org.openqa.selenium.devtools");

  private static DemoProcess demo;
  private static WebDriver browser;
  private static Path profile;
  private static @Nullable String skipped;

  @BeforeAll
  static void start() throws Exception {
    CDP_LOG.setLevel(Level.SEVERE);
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      String message = "headless Chromium is not installed (" + CHROMIUM + ", " + CHROMEDRIVER
          + "); run .ci/install-browser";
      if (TestServers.required()) {
        fail(message + "; APIBILLING_REQUIRE_SERVERS=true, so the browser test may not skip");
      }
      // said by each test, so that failsafe counts them skipped (a class aborted here counts no test)
      skipped = message + "; skipping (set APIBILLING_REQUIRE_SERVERS=true to fail instead)";
      return;
    }
    demo = DemoProcess.start();
    profile = Files.createTempDirectory("apibilling-chromium-");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withEnvironment(Map.of("TZ", VIEWER_ZONE.getId()))
        .withLogOutput(OutputStream.nullOutputStream())
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--disable-sync", "--disable-extensions", "--window-size=1000,1400", "--lang=en-US",
        "--user-data-dir=" + profile);
    browser = new ChromeDriver(service, options);
  }

  @BeforeEach
  void browserInstalled() {
    Assumptions.assumeTrue(skipped == null, skipped);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (browser != null) {
        browser.quit();
      }
    } finally {
      if (demo != null) {
        demo.close();
      }
      if (profile != null) {
        try (Stream<Path> files = Files.walk(profile)) {
          files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
      }
    }
  }

  @Test
  void barsAndHistoryFollowTheCallsMadeFromThePage() throws Exception {
    browser.get(demo.uri("billing/").toString());
    assertThat(browser.getTitle()).isEqualTo("apibilling demo: your usage");

    WebElement key = browser.findElement(By.id("api-key"));
    key.sendKeys("demo-key");
    refreshingAfter(() -> browser.findElement(By.id("use-key")).click());
    assertThat(attribute("quota-minute", "data-limit")).isEqualTo("10");
    assertThat(attribute("quota-month", "data-limit")).isEqualTo("1000");
    assertThat(attribute("quota-month", "data-used")).isEqualTo("0");
    assertThat(text("quota-month")).contains("0 / 1,000 credits");

    refreshingAfter(() -> call("/api/hello"));
    assertThat(lastStatus()).isEqualTo("200");
    assertThat(attribute("quota-month", "data-used")).isEqualTo("1");
    assertThat(text("quota-month")).contains("1 / 1,000 credits");

    assertThat(attribute("quota-report/day", "data-limit")).isEqualTo("100");
    assertThat(attribute("quota-report/day", "data-used")).isEqualTo("0");

    refreshingAfter(() -> call("/api/report"));
    assertThat(attribute("quota-month", "data-used")).isEqualTo("6");
    assertThat(attribute("quota-report/day", "data-used")).as("only the report counts on its operation's quota")
        .isEqualTo("5");
    assertThat(text("quota-report/day")).contains("5 / 100 credits");

    refreshingAfter(() -> call("/api/fail"));
    assertThat(lastStatus()).isEqualTo("500");
    assertThat(attribute("quota-month", "data-used")).as("a failed call is not charged").isEqualTo("6");

    String today = LocalDate.now(ZoneOffset.UTC).toString();
    WebElement todayBar = browser.findElement(By.cssSelector("#history rect[data-date='" + today + "']"));
    assertThat(todayBar.getDomAttribute("data-credits")).isEqualTo("6");
    assertThat(Double.parseDouble(todayBar.getDomAttribute("height"))).isPositive();
    assertThat(browser.findElements(By.cssSelector("#history rect.day-bar"))).hasSize(14);

    // The report operation's own daily history: the report's 5 credits, not the hello's.
    assertThat(browser.findElement(By.id("operations-card")).isDisplayed()).isTrue();
    WebElement reportToday =
        browser.findElement(By.cssSelector("#history-report rect[data-date='" + today + "']"));
    assertThat(reportToday.getDomAttribute("data-credits")).isEqualTo("5");
    assertThat(attribute("history-report", "data-total")).isEqualTo("5");
    assertThat(browser.findElements(By.cssSelector("#history-report rect.day-bar"))).hasSize(14);
    assertThat(browser.findElement(By.cssSelector("#history-report line.projection")).getDomAttribute("data-policy"))
        .isEqualTo("report/day");
    assertThat(text("history-report")).contains("5 credits on report in the last 14 days");

    // The last usage events, newest first: the report (5 credits), then the hello; the refunded 500 made none.
    List<WebElement> events = browser.findElements(By.cssSelector("#events table.events tbody tr"));
    assertThat(events).hasSize(2);
    assertThat(events.get(0).getText()).contains("GET as GET /api/report").contains("200").contains("5");
    assertThat(events.get(1).getText()).contains("GET").contains("200");

    // The month's forecast in words and on its bar; the month's burn rate per day on the chart.
    long projected = Long.parseLong(attribute("quota-month", "data-projected"));
    assertThat(projected).isGreaterThanOrEqualTo(6);
    String exhausts = attribute("quota-month", "data-exhausts");
    String monthForecast = forecastText("quota-month");
    if (exhausts.isEmpty()) {
      assertThat(monthForecast).matches("At this rate \\([0-9.,]+ credits an hour\\) about "
          + NumberFormat.getIntegerInstance(Locale.US).format(projected) + " credits by the reset\\.");
    } else {
      assertThat(monthForecast).isEqualTo(runsOut(monthForecast, "month", exhausts));
    }
    WebElement monthProjection = browser.findElement(By.cssSelector("#quota-month .bar-projection"));
    assertThat(monthProjection.getDomAttribute("style"))
        .isEqualTo(String.format(Locale.ROOT, "width: %.1f%%", Math.min(100.0, projected / 10.0)));
    WebElement rateLine = browser.findElement(By.cssSelector("#history line.projection"));
    assertThat(rateLine.getDomAttribute("data-policy")).isEqualTo("month");
    assertThat(Long.parseLong(rateLine.getDomAttribute("data-per-day"))).isNotNegative();
    assertThat(browser.findElement(By.cssSelector("#history text.projection-label")).getText())
        .startsWith("at this rate: ").endsWith(" a day");

    // Spend the minute quota from the page: the last call answers 429 and the minute bar is full.
    for (int i = 0; i < 15 && !lastStatus().equals("429"); i++) {
      refreshingAfter(() -> call("/api/hello"));
    }
    assertThat(lastStatus()).isEqualTo("429");
    assertThat(browser.findElement(By.id("last-call")).getText())
        .contains("quota-exceeded").contains("retry-after:");
    assertThat(attribute("quota-minute", "data-used")).isEqualTo("10");
    WebElement minuteFill = browser.findElement(By.cssSelector("#quota-minute .bar-fill"));
    assertThat(minuteFill.getDomAttribute("class")).contains("spent");
    assertThat(minuteFill.getDomAttribute("style")).contains("width: 100.0%");
    Instant reset = Instant.parse(attribute("quota-minute", "data-reset"));
    String localReset = DateTimeFormatter.ofPattern("hh:mm:ss a", Locale.US).format(reset.atZone(VIEWER_ZONE));
    assertThat(browser.findElement(By.cssSelector("#quota-minute .quota-reset")).getText())
        .startsWith("resets ").endsWith(localReset + " (" + VIEWER_ZONE.getId() + ")");

    // A spent minute has run out at this rate: now, in the viewer's zone, and its projection bar is red.
    String minuteExhausts = attribute("quota-minute", "data-exhausts");
    assertThat(minuteExhausts).isNotEmpty();
    String minuteForecast = forecastText("quota-minute");
    assertThat(minuteForecast).isEqualTo(runsOut(minuteForecast, "minute", minuteExhausts));
    assertThat(browser.findElement(By.cssSelector("#quota-minute .bar-projection")).getDomAttribute("class"))
        .contains("over");

    Path shot = Path.of(System.getProperty("apibilling.demo.screenshots", "target"), "usage-page.png");
    Files.createDirectories(shot.getParent());
    Files.write(shot, ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
  }

  private static String forecastText(String quotaId) {
    return browser.findElement(By.cssSelector("#" + quotaId + " .quota-forecast")).getText();
  }

  /** The sentence the page must show for a budget running out at {@code instant}, in the viewer's zone. */
  private static String runsOut(String shown, String policy, String instant) {
    ZonedDateTime at = Instant.parse(instant).atZone(VIEWER_ZONE);
    String time = DateTimeFormatter.ofPattern("hh:mm:ss a", Locale.US).format(at);
    String when = at.toLocalDate().equals(LocalDate.now(VIEWER_ZONE))
        ? "at " + time
        : "on " + DateTimeFormatter.ofPattern("MMM d, yyyy", Locale.US).format(at) + " " + time;
    String rate = shown.substring(0, Math.max(0, shown.indexOf(')') + 1));
    assertThat(rate).matches("At this rate \\([0-9.,]+ credits an hour\\)");
    return rate + " the " + policy + " runs out " + when + " (" + VIEWER_ZONE.getId() + ").";
  }

  private static void call(String path) {
    browser.findElement(By.cssSelector("button[data-call='" + path + "']")).click();
  }

  /** Runs {@code action} and waits (bounded) until the page has reloaded the usage after it. */
  private static void refreshingAfter(Runnable action) {
    String before = String.valueOf(browser.findElement(By.tagName("body")).getDomAttribute("data-refreshes"));
    action.run();
    new WebDriverWait(browser, WAIT).until(d ->
        !before.equals(String.valueOf(d.findElement(By.tagName("body")).getDomAttribute("data-refreshes"))));
  }

  private static String attribute(String id, String name) {
    return browser.findElement(By.id(id)).getDomAttribute(name);
  }

  private static String text(String id) {
    return browser.findElement(By.id(id)).getText();
  }

  private static String lastStatus() {
    return String.valueOf(browser.findElement(By.id("last-call")).getDomAttribute("data-status"));
  }
}
