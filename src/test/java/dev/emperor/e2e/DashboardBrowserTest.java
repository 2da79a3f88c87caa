package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard at / of the stats listener, in Debian's headless Chromium driven by its own
 * chromedriver (named explicitly: Selenium Manager never downloads anything). The page shows
 * the vassals, and a worker killed behind its back shows up as a new pid and a restart
 * without the page being reloaded. A screenshot is kept in target/e2e/screenshots.
 */
class DashboardBrowserTest extends EmperorTestBase {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Pattern STATS_URL = Pattern.compile("stats on (http://[0-9.]+:[0-9]+)/");
    private static final Duration SOON = Duration.ofSeconds(30);

    private ChromeDriverService service;
    private ChromeDriver browser;

    @BeforeEach
    void startBrowser() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "skipped: needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver);"
                        + " .ci/run installs them");
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .withLogFile(tmp.resolve("chromedriver.log").toFile()).build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // --no-sandbox: Chromium's sandbox refuses to run as root, which these tests are
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,900", "--user-data-dir=" + tmp.resolve("chromium-profile"));
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(SOON);
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) browser.quit();
        if (service != null) service.stop();
    }

    @Test
    void aKilledWorkerShowsUpAsANewPidAndARestartWithoutAReload() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = 2\nready-after = 0.2\n");
        // a name that is markup: the page must show it as text
        writeVassal("<b>bold.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        writeVassal("broken.ini", "[vassal]\nprocesses = many\n");
        EmperorProcess emperor = emperor();
        emperor.awaitState("app", "running");
        emperor.awaitState("<b>bold", "running");
        emperor.awaitState("broken", "invalid");
        List<Long> before = emperor.pids("app");
        assertThat(before).hasSize(2);

        browser.get(statsUrl(emperor) + "/");
        ((JavascriptExecutor) browser).executeScript("window.loadedOnce = 'still the same page';");
        await("the dashboard lists the workers").atMost(SOON).pollInterval(Duration.ofMillis(100))
                .until(() -> pidsShown("app").containsAll(before.stream().map(String::valueOf).toList()));
        assertThat(stateBadge("app")).isEqualTo("running sev-ok");
        assertThat(stateBadge("broken")).isEqualTo("invalid sev-bad");
        assertThat(read("return document.querySelector(\"tr.vassal[data-vassal='<b>bold'] td strong\").textContent;"))
                .isEqualTo("<b>bold");
        assertThat(read("return String(document.querySelectorAll('#vassals tbody b').length);")).isEqualTo("0");
        assertThat(restartsShown("app")).isEqualTo(0);
        assertThat(browser.findElement(By.id("live")).getText()).isIn("live", "polling");

        long victim = before.get(0);
        ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);

        await("the page shows the new worker and the restart").atMost(SOON).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    List<String> shown = pidsShown("app");
                    return shown.size() == 2 && !shown.contains(String.valueOf(victim)) && restartsShown("app") >= 1;
                });
        List<Long> after = emperor.pids("app");
        assertThat(pidsShown("app")).containsExactlyInAnyOrderElementsOf(after.stream().map(String::valueOf).toList());
        assertThat(((JavascriptExecutor) browser).executeScript("return window.loadedOnce;"))
                .as("the page was updated in place, not reloaded").isEqualTo("still the same page");

        // one click shows the workers' details; the thread dump is not on the public page
        // (the table is redrawn at each update: an element found a moment ago may be gone, so retry)
        await().atMost(SOON).ignoreException(StaleElementReferenceException.class).until(() -> {
            browser.findElement(By.cssSelector("tr.vassal[data-vassal='app']")).click();
            return true;
        });
        await().atMost(SOON).until(() -> !browser.findElements(By.cssSelector("tr.detail[data-detail='app']")).isEmpty());
        String detail = read("return document.querySelector(\"tr.detail[data-detail='app']\").innerText;");
        assertThat(detail).contains("heartbeat age").contains("emperor status app --json");
        assertThat(browser.findElements(By.cssSelector("[data-action]"))).as("actions are off by default").isEmpty();
        // the memory chart draws from the emperor's history (one sample every 5 s): a line once there are two
        await("the memory chart").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250)).until(() ->
                "L".equals(read("const p = document.querySelector(\"tr.vassal[data-vassal='app'] svg path.rss\");"
                        + " return p && p.getAttribute('d').includes('L') ? 'L' : null;")));
        screenshot("dashboard-after-kill.png");
    }

    @Test
    void withActionsOnTheEmperorsUserRestartsAVassalAndSeesTheThreadDumpView() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\nready-after = 0.2\n");
        Path settings = Files.writeString(tmp.resolve("emperor.ini"), "[emperor]\nstats-actions = true\n");
        EmperorProcess emperor = emperor("--ini", settings.toString());
        emperor.awaitState("app", "running");
        long before = emperor.pids("app").get(0);
        browser.get(statsUrl(emperor) + "/");
        await().atMost(SOON).until(() -> pidsShown("app").contains(String.valueOf(before)));
        clickWhenShown("tr.vassal[data-vassal='app']");
        clickWhenShown("tr.detail[data-detail='app'] button[data-action='restart']");
        await("the restart done from the page").atMost(SOON).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<String> shown = pidsShown("app");
            return shown.size() == 1 && !shown.contains(String.valueOf(before));
        });
        assertThat(read("return document.getElementById('notice').textContent;")).startsWith("restart app: ");
        clickWhenShown("tr.detail[data-detail='app'] .private button");
        await("the private view").atMost(SOON).until(() -> {
            String text = read("const p = document.querySelector(\"tr.detail[data-detail='app'] .private\");"
                    + " return p ? p.innerText : '';");
            return text.contains("worker 1");
        });
        screenshot("dashboard-actions.png");
    }

    private void clickWhenShown(String css) {
        await("click " + css).atMost(SOON).ignoreException(StaleElementReferenceException.class)
                .ignoreException(org.openqa.selenium.NoSuchElementException.class).until(() -> {
                    browser.findElement(By.cssSelector(css)).click();
                    return true;
                });
    }

    private String statsUrl(EmperorProcess emperor) {
        Matcher m = STATS_URL.matcher(emperor.log());
        assertThat(m.find()).as("the emperor printed its stats URL").isTrue();
        return m.group(1);
    }

    /** Runs {@code script} in the page (one call: the table may be redrawn between two WebDriver calls). */
    private String read(String script) {
        Object value = ((JavascriptExecutor) browser).executeScript(script);
        return value == null ? null : value.toString();
    }

    /** The state badge's text and its severity class, e.g. "running sev-ok". */
    private String stateBadge(String vassal) {
        return read("const b = document.querySelector(\"tr.vassal[data-vassal='" + vassal + "'] [data-field='state']\");"
                + " return b.textContent + ' ' + [...b.classList].filter(c => c.startsWith('sev-')).join(' ');");
    }

    private List<String> pidsShown(String vassal) {
        String joined = read("return [...document.querySelectorAll(\"tr.vassal[data-vassal='" + vassal
                + "'] [data-pid]\")].map(e => e.textContent).join(' ');");
        return joined == null || joined.isEmpty() ? List.of() : List.of(joined.split(" "));
    }

    private int restartsShown(String vassal) {
        String n = read("const c = document.querySelector(\"tr.vassal[data-vassal='" + vassal
                + "'] [data-field='restarts']\"); return c ? c.textContent : '-1';");
        return Integer.parseInt(n);
    }

    private void screenshot(String name) throws Exception {
        Path dir = Files.createDirectories(Path.of(System.getProperty("emperor.root", "../.."), "target", "e2e", "screenshots"));
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
}
