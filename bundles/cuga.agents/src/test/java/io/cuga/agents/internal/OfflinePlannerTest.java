package io.cuga.agents.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.agent.Plan;
import io.cuga.api.agent.Planner;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;

/** The offline planner on goals people type, over the real descriptors of the shipped tools. */
class OfflinePlannerTest {

    private static final Path BUNDLES = Path.of("..").toAbsolutePath().normalize();

    static String schema(String bundle, String name) {
        try {
            return Files.readString(BUNDLES.resolve(bundle + "/src/main/resources/schemas/" + name + ".json"),
                StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static final ToolDescriptor CALCULATOR = new ToolDescriptor("calculator",
        "Evaluates an arithmetic expression exactly and safely, with Python's operators (+ - * / // % **, "
            + "comparisons), lists, the functions abs round min max sum pow sin cos tan asin acos atan sinh cosh tanh "
            + "log log10 log2 exp sqrt ceil floor and the constants pi e tau inf.",
        schema("cuga.tool.calculator", "calculator"), RiskTier.READ, List.of(), 0, "cuga.tool.calculator", "1.0.0");
    static final ToolDescriptor HTTP_GET = new ToolDescriptor("http_get",
        "Fetches a URL with HTTP GET and returns the status, headers and body (text, or base64 for binary). Only "
            + "hosts the egress policy allows are reached; redirects are followed and checked too.",
        schema("cuga.tool.http", "http_get"), RiskTier.READ, List.of("url"), 0, "cuga.tool.http", "1.0.0");
    static final ToolDescriptor HTTP_REQUEST = new ToolDescriptor("http_request",
        "Sends an HTTP request (GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS) with optional headers and a text "
            + "body, and returns the status, headers and body. Only hosts the egress policy allows are reached; "
            + "redirects are followed and checked too.",
        schema("cuga.tool.http", "http_request"), RiskTier.WRITE, List.of("url"), 0, "cuga.tool.http", "1.0.0");
    static final ToolDescriptor ECHO = new ToolDescriptor("sample_echo",
        "Echoes a message with a greeting and the version of the bundle that answered; a sample tool.",
        schema("cuga.tool.sample", "sample_echo"), RiskTier.READ, List.of(), 0, "cuga.tool.sample", "1.0.0");
    static final List<ToolDescriptor> TOOLS = List.of(CALCULATOR, ECHO, HTTP_GET, HTTP_REQUEST);

    private final OfflinePlanner planner = new OfflinePlanner();

    private Plan plan(String goal, List<String> memory) {
        return planner.plan(new Planner.Context(goal, "default", "s1", TOOLS, memory, 10));
    }

    @Test
    void anArithmeticGoalPlansTheCalculatorWithTheExpression() {
        Plan plan = plan("calculate (2+3)*7", List.of());
        assertThat(plan.steps()).singleElement().satisfies(s -> {
            assertThat(s.tool()).isEqualTo("calculator");
            assertThat(s.arguments()).isEqualTo(Map.of("expression", "(2+3)*7"));
            assertThat(s.rationale()).contains("calculator scored").contains("expression = the arithmetic");
        });
        assertThat(plan.planner()).isEqualTo("offline");
        assertThat(plan.confidence()).isBetween(0.2, 1.0);
    }

    @Test
    void questionsInPlainWordsFindTheExpression() {
        assertThat(plan("What is 12.5 * 4 - 3?", List.of()).steps().get(0).arguments())
            .isEqualTo(Map.of("expression", "12.5 * 4 - 3"));
        assertThat(plan("please compute sqrt(16) + 2^3 for me", List.of()).steps().get(0).arguments())
            .isEqualTo(Map.of("expression", "sqrt(16) + 2**3"));
        assertThat(plan("how much is 17 // 5, exactly", List.of()).steps().get(0).tool()).isEqualTo("calculator");
    }

    @Test
    void aUrlGoalPlansTheSaferFetchAndNotTheWritingRequest() {
        Plan plan = plan("fetch https://api.example.com/v1/items?page=2 and show it", List.of());
        assertThat(plan.steps()).singleElement().satisfies(s -> {
            assertThat(s.tool()).isEqualTo("http_get");
            assertThat(s.arguments()).containsEntry("url", "https://api.example.com/v1/items?page=2");
        });
        List<OfflinePlanner.Ranked> ranked = OfflinePlanner.rank("download https://example.org/a.txt", TOOLS);
        assertThat(ranked.get(0).tool().name()).isEqualTo("http_get");
        OfflinePlanner.Ranked request = ranked.stream().filter(r -> r.tool().name().equals("http_request"))
            .findFirst().orElseThrow();
        // the WRITE tier's penalty keeps the request tool below the read-only fetch
        assertThat(request.score()).isLessThan(ranked.get(0).score());
    }

    @Test
    void quotedTextFillsStringArgumentsAndSeveralPartsMakeSeveralSteps() {
        Plan plan = plan("echo 'hello agents' then calculate 6*7; then echo \"done\"", List.of());
        assertThat(plan.steps()).extracting(s -> s.tool()).containsExactly("sample_echo", "calculator",
            "sample_echo");
        assertThat(plan.steps().get(0).arguments()).isEqualTo(Map.of("message", "hello agents"));
        assertThat(plan.steps().get(1).arguments()).isEqualTo(Map.of("expression", "6*7"));
        assertThat(plan.steps().get(2).arguments()).isEqualTo(Map.of("message", "done"));
    }

    @Test
    void aGoalNoToolFitsGivesNoPlanAndSaysWhy() {
        Plan plan = plan("book me a flight to Lisbon", List.of());
        assertThat(plan.steps()).isEmpty();
        assertThat(plan.explanation()).contains("no visible tool fits").contains("book me a flight");
        assertThat(plan.confidence()).isZero();
        // a fitting tool whose required argument is not in the goal is not planned either
        assertThat(plan("calculate something nice", List.of()).steps()).isEmpty();
    }

    @Test
    void onlyTheVisibleToolsAreConsidered() {
        Plan plan = planner.plan(new Planner.Context("echo 'hi'", "readonly", "", List.of(CALCULATOR), List.of(),
            10));
        assertThat(plan.steps()).isEmpty();
    }

    @Test
    void thePreviousResultComesFromTheSessionsLastAnswer() {
        Plan plan = plan("multiply the previous result by 2: calculate the previous result * 2",
            List.of("calculate (2+3)*7 => 35"));
        assertThat(plan.steps()).singleElement().satisfies(s ->
            assertThat(s.arguments()).isEqualTo(Map.of("expression", "35 * 2")));
        assertThat(plan.explanation()).contains("= 35 from the session");
        // without a session answer the reference stays: there is no number to compute with
        assertThat(plan("calculate the previous result * 2", List.of()).steps()).isEmpty();
    }

    @Test
    void aPhraseNamingARememberedResultBecomesItsNumber() {
        List<String> memory = List.of("calculate 5+5 => 10", "calculate the yearly rent 1200*12 => 14400");
        Plan plan = plan("calculate the yearly rent divided by 12: the yearly rent / 12", memory);
        assertThat(plan.steps()).singleElement().satisfies(s ->
            assertThat(s.arguments()).isEqualTo(Map.of("expression", "14400 / 12")));
        assertThat(plan.explanation()).contains("\"the yearly rent\" = 14400 from memory");
        // every word of the phrase must be in the remembered goal, and the answer a number
        assertThat(OfflinePlanner.resolveMemory("calculate the monthly rent / 12", memory, new StringBuilder()))
            .isEqualTo("calculate the monthly rent / 12");
        assertThat(OfflinePlanner.resolveMemory("calculate the city tax * 2", List.of("fetch the city tax => n/a"),
            new StringBuilder())).isEqualTo("calculate the city tax * 2");
        assertThat(plan("calculate the yearly rent / 12", List.of()).steps()).allSatisfy(s ->
            assertThat(s.arguments().get("expression")).isNotEqualTo("14400 / 12"));
    }

    @Test
    void numbersFillIntegerArguments() {
        Map<String, Object> args = OfflinePlanner.argumentsFor("echo 'slow' after 1500 ms", ECHO);
        assertThat(args).isEqualTo(Map.of("message", "slow", "delay_millis", 1500L));
    }

    @Test
    void theExpressionExtractorIgnoresProseAndKeepsBalancedParentheses() {
        assertThat(ArgumentExtractor.expression("calculate (2+3)*7.")).isEqualTo("(2+3)*7");
        assertThat(ArgumentExtractor.expression("in 2024 we sold (3 + 4) * 10 units")).isEqualTo("(3 + 4) * 10");
        assertThat(ArgumentExtractor.expression("no maths here, only 42")).isNull();
        assertThat(ArgumentExtractor.expression("max(1, 5, 3) please")).isEqualTo("max(1, 5, 3)");
    }

}
