package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.APPROVER_TOKEN;
import static io.cuga.e2e.CugaServer.JSON;
import static io.cuga.e2e.CugaServer.json;
import static io.cuga.e2e.CugaServer.poll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The dashboard and the alert rules of {@code observability/} against the running distribution: promtool checks
 * and unit-tests the rules, every metric the dashboard and the rules query is exported once calls, approvals,
 * denials, budget refusals and a refused policy went through the server, and a real Prometheus started here
 * scrapes the server and answers the dashboard's queries.
 */
class DashboardsTest {

    static final Duration GENEROUS = Duration.ofSeconds(30);

    /** Every calculator call needs a human; decided in the test. */
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

    /** Every calculator call needs a human who never comes: it expires after a second. */
    static final String HASTY = """
        profile: hasty
        guardrails: [allowlist, approval, redaction]
        allowlist:
          allow: ["*"]
          bundles: ["*"]
        approval:
          tiers: []
          tools: [calculator]
          timeout_seconds: 1
        """;

    /** Three calls in all for the profile, warnings from the second. */
    static final String METERED = """
        profile: metered
        guardrails: [allowlist, budget, redaction]
        allowlist:
          allow: ["*"]
          bundles: ["*"]
        budget:
          limits:
            - kind: calls
              scope: profile
              ceiling: 3
              warn_ratio: 0.5
        """;

    static CugaServer server;
    static Path observability;

    @BeforeAll
    static void start() throws Exception {
        observability = CugaServer.root().resolve("observability");
        server = CugaServer.start(config -> {
            Files.writeString(config.resolve("policies/gated.yaml"), GATED, StandardCharsets.UTF_8);
            Files.writeString(config.resolve("policies/hasty.yaml"), HASTY, StandardCharsets.UTF_8);
            Files.writeString(config.resolve("policies/metered.yaml"), METERED, StandardCharsets.UTF_8);
            Path auth = config.resolve("cuga.auth.cfg");
            Files.writeString(auth, Files.readString(auth) + "\nenv.token.profile = *\n", StandardCharsets.UTF_8);
        });
        drive();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static HttpResponse<String> invoke(String profile, String tool, Map<String, Object> arguments) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/api/v1/tools/" + tool + "/invoke"))
                .header("Content-Type", "application/json").header("X-Cuga-Profile", profile)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("arguments", arguments))));
            return server.send(request, AGENT_TOKEN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Calls that succeed and fail, an approval approved and one expired, a budget spent and a policy refused. */
    static void drive() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(invoke("default", "calculator", Map.of("expression", i + "+1")).statusCode()).isEqualTo(200);
        }
        assertThat(invoke("default", "calculator", Map.of("nope", 1)).statusCode()).isEqualTo(422);
        assertThat(invoke("default", "no_such_tool", Map.of()).statusCode()).isEqualTo(404);

        HttpResponse<String> asked = invoke("gated", "calculator", Map.of("expression", "6*7"));
        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
        String id = json(asked).path("approvalId").asText();
        HttpResponse<String> approved = server.send(HttpRequest.newBuilder(server.uri("/api/v1/approvals/" + id
            + "/approve")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"dashboards e2e\"}")), APPROVER_TOKEN);
        assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);

        HttpResponse<String> hasty = invoke("hasty", "calculator", Map.of("expression", "1+1"));
        assertThat(hasty.statusCode()).as(hasty.body()).isEqualTo(202);
        String expiring = json(hasty).path("approvalId").asText();
        assertThat(poll(GENEROUS, () -> json(server.get("/api/v1/approvals/" + expiring, AGENT_TOKEN))
            .path("status").asText().equalsIgnoreCase("expired"))).as("approval %s expired", expiring).isTrue();

        List<Integer> metered = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            metered.add(invoke("metered", "calculator", Map.of("expression", "2*" + i)).statusCode());
        }
        assertThat(metered).containsExactly(200, 200, 200, 429, 429);

        // a policy edited (reloaded: counted from the zero the exporter set for each active policy at start),
        // and a broken edit of another that is refused (the previous version keeps serving)
        Files.writeString(server.config.resolve("policies/gated.yaml"), GATED + "description: edited\n",
            StandardCharsets.UTF_8);
        Files.writeString(server.config.resolve("policies/metered.yaml"), "profile: metered\nguardrails: [\n",
            StandardCharsets.UTF_8);
    }

    static String metrics() {
        HttpResponse<String> response = server.get("/metrics", null);
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    // ---- promtool ----

    /** @return the binary of the Debian package prometheus, or skips (fails when the tools are required) */
    static Path tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        assertThat(Boolean.getBoolean("cuga.e2e.require.promtool")).as(name + " is required "
            + "(cuga.e2e.require.promtool=true) but not on the PATH; install the Debian package prometheus").isFalse();
        assumeTrue(false, name + " is not installed (Debian package prometheus)");
        return null;
    }

    record Run(int exit, String output) {
    }

    static Run run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", List.of(command)).isTrue();
        return new Run(p.exitValue(), output);
    }

    @Test
    void promtoolChecksTheRulesAndTheirUnitTestsPass() throws Exception {
        Path promtool = tool("promtool");
        Path dir = observability.resolve("prometheus");
        Run check = run(dir, promtool.toString(), "check", "rules", "alerts.yml");
        assertThat(check.exit()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: 7 rules found");
        Run test = run(dir, promtool.toString(), "test", "rules", "alerts.test.yml");
        assertThat(test.exit()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
        Run config = run(dir, promtool.toString(), "check", "config", "prometheus.yml");
        assertThat(config.exit()).as(config.output()).isZero();

        // every alert of the rules has a unit test that fires it and a runbook entry in docs/operations.md
        String rules = Files.readString(dir.resolve("alerts.yml"));
        String tests = Files.readString(dir.resolve("alerts.test.yml"));
        String operations = Files.readString(CugaServer.root().resolve("docs/operations.md"));
        Matcher alert = Pattern.compile("(?m)^\\s*- alert: (\\w+)").matcher(rules);
        Matcher runbook = Pattern.compile("runbook: \"docs/operations.md#([a-z0-9-]+)\"").matcher(rules);
        int alerts = 0;
        while (alert.find()) {
            alerts++;
            assertThat(tests).as("a unit test of " + alert.group(1)).contains("alertname: " + alert.group(1));
        }
        assertThat(alerts).isEqualTo(7);
        int anchors = 0;
        while (runbook.find()) {
            anchors++;
            String heading = runbook.group(1).replace('-', ' ');
            assertThat(operations.toLowerCase(java.util.Locale.ROOT)).as("runbook entry " + runbook.group(1))
                .contains("### " + heading);
        }
        assertThat(anchors).isEqualTo(7);
    }

    // ---- every queried metric is exported ----

    static final Set<String> PROMQL_WORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
        "ignoring", "group_left", "group_right", "inf", "nan", "le");

    /** @return the metric names a PromQL expression selects (Grafana variables and label matchers ignored) */
    static Set<String> metricNames(String expr) {
        String s = expr;
        Matcher labelValues = Pattern.compile("label_values\\(\\s*([^,)]+)\\s*,[^)]*\\)").matcher(s);
        if (labelValues.find()) {
            s = labelValues.group(1);
        }
        s = s.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", " ")   // strings
            .replaceAll("\\{[^}]*\\}", " ")                   // label matchers
            .replaceAll("\\[[^\\]]*\\]", " ")                 // ranges
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new TreeSet<>();
        Matcher id = Pattern.compile("(?<![\\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\\w(])(?!\\s*\\()").matcher(s);
        while (id.find()) {
            String name = id.group(1);
            if (!PROMQL_WORDS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                names.add(name);
            }
        }
        return names;
    }

    /** @return every PromQL expression of the dashboard: panel targets and the variables' queries */
    static List<String> dashboardQueries() throws IOException {
        JsonNode dashboard = JSON.readTree(observability.resolve("grafana/cuga-overview.json").toFile());
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                JsonNode query = variable.path("query");
                queries.add(query.isTextual() ? query.asText() : query.path("query").asText());
            }
        }
        return queries;
    }

    /** @return every expr of the alert rules (one line, or a block scalar) */
    static List<String> ruleQueries() throws IOException {
        List<String> queries = new ArrayList<>();
        Iterator<String> lines = Files.readAllLines(observability.resolve("prometheus/alerts.yml")).iterator();
        Pattern exprLine = Pattern.compile("^(\\s*)expr:\\s*(.*)$");
        String pending = null;
        int indent = 0;
        StringBuilder block = null;
        while (lines.hasNext() || pending != null) {
            String line = pending != null ? pending : lines.next();
            pending = null;
            if (block != null) {
                if (line.isBlank() || line.length() - line.stripLeading().length() > indent) {
                    block.append(line.strip()).append('\n');
                    continue;
                }
                queries.add(block.toString());
                block = null;
            }
            Matcher m = exprLine.matcher(line);
            if (m.matches()) {
                if (m.group(2).startsWith("|") || m.group(2).startsWith(">")) {
                    block = new StringBuilder();
                    indent = m.group(1).length();
                } else {
                    queries.add(m.group(2));
                }
            }
        }
        if (block != null) {
            queries.add(block.toString());
        }
        return queries;
    }

    /** @return the sample names of an exposition and its histogram families */
    static Set<String> exported(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                names.add(line.split(" ")[2]);
            } else if (!line.startsWith("#") && !line.isBlank()) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    @Test
    void theExtractionFindsMetricNamesAndNothingElse() {
        assertThat(metricNames("sum by (le, tool) (rate(gen_ai_execute_tool_duration_seconds_bucket"
            + "{profile=~\"$profile\",status=\"ok\"}[$__rate_interval])) / on (x) cuga_tasks_total > 0.5 and bool"))
            .containsExactly("cuga_tasks_total", "gen_ai_execute_tool_duration_seconds_bucket");
        assertThat(metricNames("label_values(cuga_tool_calls_total, profile)"))
            .containsExactly("cuga_tool_calls_total");
        assertThat(metricNames("histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 5")).containsExactly(
            "x_bucket");
    }

    @Test
    void everyMetricTheDashboardAndTheRulesQueryIsExported() throws Exception {
        List<String> dashboard = dashboardQueries();
        List<String> rules = ruleQueries();
        assertThat(dashboard).hasSizeGreaterThanOrEqualTo(14);
        assertThat(rules).hasSize(7);
        Map<String, String> usedBy = new LinkedHashMap<>();
        for (String q : dashboard) {
            metricNames(q).forEach(n -> usedBy.putIfAbsent(n, "dashboard: " + q));
        }
        for (String q : rules) {
            metricNames(q).forEach(n -> usedBy.putIfAbsent(n, "rule: " + q));
        }
        assertThat(usedBy.keySet()).contains("cuga_tool_calls_total", "gen_ai_execute_tool_duration_seconds_bucket",
            "cuga_approval_wait_seconds_bucket", "cuga_budget_utilization_ratio", "cuga_denials_total",
            "cuga_policy_reloads_total", "cuga_policy_rejections_total", "cuga_exporter_dropped_events_total",
            "cuga_approvals_total", "cuga_budget_exceeded_total");

        java.util.concurrent.atomic.AtomicReference<Set<String>> last = new java.util.concurrent.atomic
            .AtomicReference<>(Set.of());
        boolean all = poll(GENEROUS, () -> {
            last.set(exported(metrics()));
            return last.get().containsAll(usedBy.keySet());
        });
        List<String> missing = new ArrayList<>();
        usedBy.forEach((name, where) -> {
            if (!last.get().contains(name)) {
                missing.add(name + " (" + where.strip() + ")");
            }
        });
        assertThat(all).as("metrics queried but not exported: %s", missing).isTrue();
    }

    // ---- a real Prometheus ----

    @Test
    void aRealPrometheusScrapesTheServerAndAnswersTheDashboardsQueries() throws Exception {
        Path prometheus = tool("prometheus");
        Path dir = Files.createTempDirectory("cuga-prometheus-");
        int port = CugaServer.freePort();
        Files.copy(observability.resolve("prometheus/alerts.yml"), dir.resolve("alerts.yml"));
        Files.writeString(dir.resolve("prometheus.yml"), """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - alerts.yml
            scrape_configs:
              - job_name: cuga
                metrics_path: /metrics
                static_configs:
                  - targets: ["127.0.0.1:%d"]
            """.formatted(server.port), StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(prometheus.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
            "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
            .directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            URI base = URI.create("http://127.0.0.1:" + port);
            assertThat(poll(GENEROUS, () -> status(http, base.resolve("/-/ready")) == 200))
                .as("prometheus ready: %s", log(dir)).isTrue();

            // the target is up, and the rules are loaded
            assertThat(poll(GENEROUS, () -> value(query(http, base, "up{job=\"cuga\"}")) == 1.0))
                .as("cuga is up in prometheus: %s", log(dir)).isTrue();
            JsonNode ruleGroups = JSON.readTree(get(http, base.resolve("/api/v1/rules"))).at("/data/groups");
            assertThat(ruleGroups.get(0).path("rules").size()).isEqualTo(7);
            for (JsonNode rule : ruleGroups.get(0).path("rules")) {
                assertThat(rule.path("health").asText()).as(rule.toString()).isNotEqualTo("err");
            }

            // calls made now show up in prometheus
            for (int i = 0; i < 5; i++) {
                assertThat(invoke("default", "calculator", Map.of("expression", "7*" + i)).statusCode())
                    .isEqualTo(200);
            }
            String calls = "sum(cuga_tool_calls_total{tool=\"calculator\",status=\"ok\",profile=\"default\"})";
            assertThat(poll(GENEROUS, () -> value(query(http, base, calls)) >= 8.0)).as("calculator calls").isTrue();

            // a golden signal evaluates: the success rate of the last minute, with calls inside it
            String success = "sum(rate(cuga_tool_calls_total{status=\"ok\"}[1m])) "
                + "/ sum(rate(cuga_tool_calls_total[1m]))";
            double[] rate = {Double.NaN};
            assertThat(poll(GENEROUS, () -> {
                invoke("default", "calculator", Map.of("expression", "1+1"));
                rate[0] = value(query(http, base, success));
                return rate[0] > 0 && rate[0] <= 1;
            })).as("success rate: %s", rate[0]).isTrue();

            // every query of the dashboard is valid PromQL that prometheus evaluates, with the variables set
            for (String q : dashboardQueries()) {
                if (q.startsWith("label_values")) {
                    continue;
                }
                String expr = q.replace("$profile", ".*").replace("$__rate_interval", "1m")
                    .replace("$__interval", "1m");
                JsonNode answer = JSON.readTree(query(http, base, expr));
                assertThat(answer.path("status").asText()).as("%s: %s", expr, answer).isEqualTo("success");
            }
            // and the profile variable's values are the profiles that made calls
            JsonNode profiles = JSON.readTree(get(http, base.resolve(
                "/api/v1/label/profile/values?match[]=" + URLEncoder.encode("cuga_tool_calls_total",
                    StandardCharsets.UTF_8))));
            List<String> values = new ArrayList<>();
            profiles.path("data").forEach(v -> values.add(v.asText()));
            assertThat(values).contains("default", "metered");
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            CugaServer.deleteTree(dir);
        }
    }

    static String log(Path dir) {
        try {
            String text = Files.readString(dir.resolve("prometheus.log"));
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "";
        }
    }

    static int status(HttpClient http, URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static String get(HttpClient http, URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String query(HttpClient http, URI base, String promql) {
        return get(http, base.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
    }

    /** @return the value of a one-element instant vector, NaN when there is none */
    static double value(String answer) {
        try {
            JsonNode result = JSON.readTree(answer).at("/data/result");
            if (!result.isArray() || result.size() != 1) {
                return Double.NaN;
            }
            return Double.parseDouble(result.get(0).path("value").get(1).asText());
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
