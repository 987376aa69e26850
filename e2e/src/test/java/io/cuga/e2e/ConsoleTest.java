package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.ADMIN_TOKEN;
import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.JSON;
import static io.cuga.e2e.CugaServer.json;
import static io.cuga.e2e.CugaServer.poll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The cuga pages of the Web Console in a real headless Chromium (Debian packages {@code chromium} and
 * {@code chromium-driver}, driven by Selenium) against the running distribution: log in with the generated
 * console credentials, see a tool bundle dropped into deploy/ appear, approve a waiting call and see it complete,
 * upload an invalid policy and see the refusal with line and column, watch events arrive live and budgets
 * spent, a forged POST refused, and a clear message while the orchestrator is stopped. Skipped without Chromium unless {@code cuga.e2e.require.chromium=true}. With
 * {@code cuga.e2e.screenshots=true} the pages are saved to {@code docs/console/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleTest {

    static final Duration GENEROUS = Duration.ofSeconds(20);
    static final Path SAMPLE = Paths.get(System.getProperty("cuga.sample.jar"));

    /** Every calculator call under profile gated waits for a person. */
    static final String GATED = """
        profile: gated
        guardrails: [allowlist, approval, redaction]
        allowlist:
          allow: ["*"]
          bundles: ["*"]
        approval:
          tiers: []
          tools: [calculator]
          timeout_seconds: 120
        """;

    /** Ten calls per session, a hundred for the profile. */
    static final String METERED = """
        profile: metered
        guardrails: [allowlist, budget, redaction]
        allowlist:
          allow: ["*"]
          bundles: ["*"]
        budget:
          limits:
            - kind: calls
              scope: session
              ceiling: 10
            - kind: calls
              scope: profile
              ceiling: 100
        """;

    /** Names a guardrail type that does not exist, on line 2 column 25. */
    static final String INVALID = """
        profile: gated
        guardrails: [allowlist, no_such_guardrail]
        allowlist:
          allow: ["*"]
        """;

    static CugaServer server;
    static WebDriver browser;
    static ChromeDriverService driverService;
    static Path profileDir;
    static String user;
    static String password;

    @BeforeAll
    static void start() throws IOException {
        Path chromium = Paths.get(System.getProperty("cuga.e2e.chromium", "/usr/bin/chromium"));
        Path driver = Paths.get(System.getProperty("cuga.e2e.chromedriver", "/usr/bin/chromedriver"));
        if (!Files.isExecutable(chromium) || !Files.isExecutable(driver)) {
            String missing = "Chromium (" + chromium + ") and chromedriver (" + driver + ") are needed: apt-get install "
                + "-y --no-install-recommends chromium chromium-driver";
            assertThat(Boolean.getBoolean("cuga.e2e.require.chromium")).as(missing).isFalse();
            assumeTrue(false, missing);
        }
        server = CugaServer.start(config -> {
            Files.writeString(config.resolve("policies/gated.yaml"), GATED, StandardCharsets.UTF_8);
            Files.writeString(config.resolve("policies/metered.yaml"), METERED, StandardCharsets.UTF_8);
            Path auth = config.resolve("cuga.auth.cfg");
            Files.writeString(auth, Files.readString(auth) + "\nenv.token.profile = *\n", StandardCharsets.UTF_8);
        });
        for (String line : Files.readAllLines(server.data.resolve("secrets/console.credentials"))) {
            if (line.startsWith("user=")) {
                user = line.substring(5).trim();
            } else if (line.startsWith("password=")) {
                password = line.substring(9).trim();
            }
        }
        assertThat(user).isNotBlank();
        assertThat(password).isNotBlank();

        profileDir = Files.createTempDirectory("cuga-chromium-");
        driverService = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).usingAnyFreePort()
            .withLogFile(server.work.resolve("chromedriver.log").toFile()).build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--window-size=1400,1000",
            "--user-data-dir=" + profileDir);
        browser = new ChromeDriver(driverService, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        try {
            if (browser != null) {
                browser.quit();
            }
            if (driverService != null) {
                driverService.stop();
            }
        } finally {
            if (server != null) {
                server.close();
            }
            if (profileDir != null) {
                CugaServer.deleteTree(profileDir);
            }
        }
    }

    private static String console(String page) {
        return server.uri("/system/console/" + page).toString();
    }

    private static WebDriverWait waiting() {
        return new WebDriverWait(browser, GENEROUS);
    }

    private static String text(By by) {
        return browser.findElement(by).getText();
    }

    /** Saves the visible page as docs/console/{name}.png when cuga.e2e.screenshots=true. */
    private static void screenshot(String name) throws IOException {
        if (!Boolean.getBoolean("cuga.e2e.screenshots")) {
            return;
        }
        Object height = ((JavascriptExecutor) browser).executeScript(
            "return Math.min(2400, document.documentElement.scrollHeight)");
        Dimension before = browser.manage().window().getSize();
        browser.manage().window().setSize(new Dimension(1400, Math.max(700, ((Number) height).intValue() + 140)));
        try {
            byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
            Path target = CugaServer.root().resolve("docs/console/" + name + ".png");
            Files.createDirectories(target.getParent());
            Files.write(target, png);
        } finally {
            browser.manage().window().setSize(before);
        }
    }

    @Test
    @Order(1)
    void logsInAndSeesAFreshlyDroppedToolAppearOnTheToolsPage() throws Exception {
        // the console answers nothing without the credentials, and never to admin/admin
        String basic = Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));
        assertThat(server.send(HttpRequest.newBuilder(server.uri("/system/console/cuga-tools"))
            .header("Authorization", "Basic " + basic).GET(), null).statusCode()).isEqualTo(401);

        // log in: the browser keeps the credentials for the rest of the session
        String login = console("cuga-tools").replace("http://", "http://" + URLEncoder.encode(user,
            StandardCharsets.UTF_8) + ":" + URLEncoder.encode(password, StandardCharsets.UTF_8) + "@");
        browser.get(login);
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("cuga-tools")));
        assertThat(browser.getTitle()).contains("Tools");
        // the cuga category is in the console's navigation with all six pages
        String nav = browser.getPageSource();
        for (String label : List.of("cuga-tools", "cuga-policies", "cuga-approvals", "cuga-budgets", "cuga-audit",
            "cuga-events")) {
            assertThat(nav).contains("/system/console/" + label);
        }
        assertThat(browser.findElements(By.cssSelector("tr[data-tool='calculator']"))).hasSize(1);
        assertThat(browser.findElements(By.cssSelector("tr[data-tool='sample_echo']"))).isEmpty();

        Jars.drop(server.deploy, "sample.jar", Jars.read(SAMPLE));
        boolean appeared = poll(GENEROUS, () -> {
            browser.navigate().refresh();
            return !browser.findElements(By.cssSelector("tr[data-tool='sample_echo']")).isEmpty();
        });
        assertThat(appeared).as("sample_echo on the Tools page; %s", server.logTail()).isTrue();
        WebElement row = browser.findElement(By.cssSelector("tr[data-tool='sample_echo']"));
        List<WebElement> cells = row.findElements(By.tagName("td"));
        assertThat(cells.get(1).getText()).isEqualTo("visible");
        assertThat(cells.get(3).getText()).isEqualTo("cuga.tool.sample");
        assertThat(cells.get(4).getText()).isNotBlank();
        assertThat(cells.get(5).getText()).isNotBlank();
        assertThat(row.getText()).contains("message");

        // a bundle that cannot resolve is listed with the reason among the deployment problems
        Jars.drop(server.deploy, "broken.jar", Jars.manifestOnly(Map.of(
            "Bundle-SymbolicName", "e2e.broken.tool", "Bundle-Version", "0.1.0",
            "Import-Package", "io.cuga.api.tool;version=\"[2.0,3)\"")));
        assertThat(poll(GENEROUS, () -> {
            browser.navigate().refresh();
            return !browser.findElements(By.id("cuga-diagnostics")).isEmpty()
                && browser.findElement(By.id("cuga-diagnostics")).getText().contains("e2e.broken.tool");
        })).as("the broken bundle on the Tools page; %s", server.logTail()).isTrue();
        assertThat(text(By.id("cuga-diagnostics"))).contains("bundle_unresolved").contains("io.cuga.api.tool");
        assertThat(browser.findElements(By.cssSelector("tr[data-tool='sample_echo']"))).hasSize(1);
        screenshot("tools");
    }

    @Test
    @Order(2)
    void approvesAWaitingCallOnTheApprovalsPageAndTheCallCompletes() throws Exception {
        HttpResponse<String> asked = server.send(HttpRequest.newBuilder(server.uri("/api/v1/tools/calculator/invoke"))
            .header("Content-Type", "application/json").header("X-Cuga-Profile", "gated")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                Map.of("arguments", Map.of("expression", "6 * 7"))))), AGENT_TOKEN);
        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
        String id = json(asked).path("approvalId").asText();

        browser.get(console("cuga-approvals"));
        By row = By.cssSelector("tr[data-approval='" + id + "']");
        waiting().until(ExpectedConditions.presenceOfElementLocated(row));
        assertThat(browser.findElement(row).getText()).contains("calculator").contains("6 * 7").contains("pending")
            .contains("agent");
        screenshot("approvals");

        WebElement form = browser.findElement(row).findElement(By.tagName("form"));
        form.findElement(By.name("reason")).sendKeys("checked in the console test");
        form.findElement(By.cssSelector("button[value='approve']")).click();
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".cuga-msg-ok")));
        assertThat(text(By.cssSelector(".cuga-msg-ok"))).contains(id).contains("approved");

        JsonNode[] last = new JsonNode[1];
        assertThat(poll(GENEROUS, () -> {
            last[0] = json(server.get("/api/v1/approvals/" + id, AGENT_TOKEN));
            return last[0].path("outcome").path("status").asText().equals("OK");
        })).as("the waiting call ran: %s", last[0]).isTrue();
        assertThat(last[0].path("outcome").path("result").path("value").asInt()).isEqualTo(42);
        assertThat(last[0].path("status").asText()).isEqualTo("approved");
        assertThat(last[0].path("decidedBy").asText()).isEqualTo("console:" + user);
        assertThat(last[0].path("decisionReason").asText()).isEqualTo("checked in the console test");

        // the audit trail names the console user as the approver; the Audit page finds the call's story
        String callId = last[0].path("callId").asText();
        String story = server.get("/api/v1/audit?call=" + callId, ADMIN_TOKEN).body();
        assertThat(story).contains("console:" + user);
        browser.get(console("cuga-audit") + "?call=" + URLEncoder.encode(callId, StandardCharsets.UTF_8)
            + "&verify=1");
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("cuga-audit")));
        assertThat(text(By.id("cuga-chain"))).contains("intact");
        String trail = text(By.id("cuga-audit"));
        assertThat(trail).contains("call.attempt").contains("approval").contains("call.outcome");
        assertThat(browser.findElements(By.cssSelector("#cuga-audit tbody tr"))).hasSize(4);
        browser.get(console("cuga-audit") + "?verify=1");
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("cuga-audit")));
        screenshot("audit");

        browser.get(console("cuga-approvals") + "?status=approved");
        waiting().until(ExpectedConditions.presenceOfElementLocated(row));
        assertThat(browser.findElement(row).getText()).contains("console:" + user).contains("OK");
    }

    @Test
    @Order(3)
    void anInvalidPolicyUploadedOnThePoliciesPageIsRefusedWithLineAndColumn() throws Exception {
        long before = json(server.get("/api/v1/policies/gated", ADMIN_TOKEN)).path("active").path("version").asLong();
        browser.get(console("cuga-policies"));
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("cuga-policy-document")));
        assertThat(text(By.id("cuga-profiles"))).contains("default").contains("gated");
        WebElement profile = browser.findElement(By.id("cuga-policy-profile"));
        profile.clear();
        profile.sendKeys("gated");
        // pasted, as a person would: the exact text, line breaks and indentation included
        ((JavascriptExecutor) browser).executeScript("document.getElementById('cuga-policy-document').value = "
            + "arguments[0]", INVALID);
        browser.findElement(By.id("cuga-policy-submit")).click();

        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".cuga-msg-error")));
        assertThat(text(By.cssSelector(".cuga-msg-error"))).contains("Refused").contains("line 2, column 25")
            .contains("no_such_guardrail");
        assertThat(text(By.id("cuga-refusal-gated"))).contains("line 2, column 25").contains("console:" + user);
        // the refused text stays in the form to be fixed
        assertThat(browser.findElement(By.id("cuga-policy-document")).getAttribute("value"))
            .contains("no_such_guardrail");
        screenshot("policies");
        // nothing changed: the active policy keeps serving
        assertThat(json(server.get("/api/v1/policies/gated", ADMIN_TOKEN)).path("active").path("version").asLong())
            .isEqualTo(before);

        // a valid upload activates a new version, authored by the console user
        ((JavascriptExecutor) browser).executeScript("document.getElementById('cuga-policy-document').value = "
            + "arguments[0]", GATED.replace("timeout_seconds: 120", "timeout_seconds: 90"));
        browser.findElement(By.id("cuga-policy-submit")).click();
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".cuga-msg-ok")));
        JsonNode now = json(server.get("/api/v1/policies/gated", ADMIN_TOKEN)).path("active");
        assertThat(now.path("version").asLong()).isEqualTo(before + 1);
        assertThat(now.path("author").asText()).isEqualTo("console:" + user);
    }

    @Test
    @Order(4)
    void eventsArriveLiveAndBudgetsShow() throws Exception {
        browser.get(console("cuga-events"));
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("cuga-events")));
        // the page opens with recent history: the policy edit of the previous test is there
        assertThat(browser.findElements(By.cssSelector("#cuga-events tr[data-type='policy.reloaded']"))).isNotEmpty();
        // a call made after the page was opened shows up without a reload
        assertThat(server.invoke("calculator", AGENT_TOKEN, Map.of("expression", "1 + 2")).statusCode())
            .isEqualTo(200);
        waiting().until(d -> !d.findElements(By.cssSelector("#cuga-events tr[data-type^='tool.call']")).isEmpty());
        screenshot("events");

        // three calls in one session of profile metered: spent 3 of 10 for the session, 3 of 100 for the profile
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = server.send(HttpRequest.newBuilder(server.uri("/api/v1/tools/calculator/invoke"))
                .header("Content-Type", "application/json").header("X-Cuga-Profile", "metered")
                .header("X-Cuga-Session", "console-demo")
                .POST(HttpRequest.BodyPublishers.ofString("{\"arguments\":{\"expression\":\"" + i + " + 1\"}}")),
                AGENT_TOKEN);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        browser.get(console("cuga-budgets"));
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("cuga-budgets")));
        List<String> rows = browser.findElements(By.cssSelector("#cuga-budgets tbody tr")).stream()
            .map(WebElement::getText).toList();
        assertThat(rows).anySatisfy(r -> assertThat(r).startsWith("metered console-demo calls session 3 0 10 7"))
            .anySatisfy(r -> assertThat(r).startsWith("metered console-demo calls profile 3 0 100 97"))
            .anySatisfy(r -> assertThat(r).startsWith("metered (no session) calls profile 3 0 100 97"));
        screenshot("budgets");

        // one profile and session looked up with the form
        browser.get(console("cuga-budgets") + "?profile=metered&session=console-demo");
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("cuga-budgets")));
        assertThat(browser.findElements(By.cssSelector("#cuga-budgets tbody tr"))).hasSize(2);
    }

    @Test
    @Order(5)
    void aForgedPostIsRefusedAndChangesNothing() throws Exception {
        HttpResponse<String> asked = server.send(HttpRequest.newBuilder(server.uri("/api/v1/tools/calculator/invoke"))
            .header("Content-Type", "application/json").header("X-Cuga-Profile", "gated")
            .POST(HttpRequest.BodyPublishers.ofString("{\"arguments\":{\"expression\":\"2 + 2\"}}")), AGENT_TOKEN);
        assertThat(asked.statusCode()).isEqualTo(202);
        String id = json(asked).path("approvalId").asText();
        String basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
            .getBytes(StandardCharsets.UTF_8));
        String form = "id=" + id + "&decision=approve&reason=forged&csrf=guess";
        // from another site, with valid console credentials (as a browser would send them along)
        HttpResponse<String> forged = server.send(HttpRequest.newBuilder(server.uri("/system/console/cuga-approvals"))
            .header("Authorization", basic).header("Origin", "http://evil.example")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)), null);
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("another site").doesNotContain("Exception");
        // from this site but without the session's token
        HttpResponse<String> tokenless = server.send(HttpRequest.newBuilder(server.uri("/system/console/cuga-approvals"))
            .header("Authorization", basic).header("Origin", "http://127.0.0.1:" + server.port)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)), null);
        assertThat(tokenless.statusCode()).isEqualTo(403);
        assertThat(json(server.get("/api/v1/approvals/" + id, AGENT_TOKEN)).path("status").asText())
            .isEqualTo("pending");
        // a GET never changes state
        HttpResponse<String> get = server.send(HttpRequest.newBuilder(server.uri("/system/console/cuga-approvals?"
            + form)).header("Authorization", basic).GET(), null);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(json(server.get("/api/v1/approvals/" + id, AGENT_TOKEN)).path("status").asText())
            .isEqualTo("pending");
    }

    @Test
    @Order(6)
    void aMissingServiceIsAClearMessageNotAStackTrace() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
            .getBytes(StandardCharsets.UTF_8));
        long id = -1;
        for (JsonNode b : JSON.readTree(server.send(HttpRequest.newBuilder(
            server.uri("/system/console/bundles.json")).header("Authorization", basic).GET(), null).body()).path("data")) {
            if (b.path("symbolicName").asText().equals("cuga.orchestrator")) {
                id = b.path("id").asLong();
            }
        }
        assertThat(id).as("cuga.orchestrator's bundle id").isPositive();
        HttpRequest.Builder stop = HttpRequest.newBuilder(server.uri("/system/console/bundles/" + id))
            .header("Authorization", basic).header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("action=stop"));
        assertThat(server.send(stop, null).statusCode()).isEqualTo(200);
        try {
            browser.get(console("cuga-approvals"));
            waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".cuga-msg-warn")));
            assertThat(text(By.cssSelector(".cuga-msg-warn"))).contains("not available")
                .contains("io.cuga.api.dispatch.Approvals");
            browser.get(console("cuga-tools"));
            waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".cuga-msg-warn")));
            assertThat(text(By.cssSelector(".cuga-msg-warn"))).contains("io.cuga.api.dispatch.ToolRegistry");
            assertThat(browser.getPageSource()).doesNotContain("Exception").doesNotContain("\tat ");
        } finally {
            HttpRequest.Builder start = HttpRequest.newBuilder(server.uri("/system/console/bundles/" + id))
                .header("Authorization", basic).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("action=start"));
            server.send(start, null);
        }
        assertThat(poll(GENEROUS, () -> {
            browser.navigate().refresh();
            return !browser.findElements(By.cssSelector("tr[data-tool='calculator']")).isEmpty();
        })).as("the Tools page is back with the orchestrator").isTrue();
    }
}
