package io.cuga.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.ServiceReference;

import io.cuga.api.event.Event;
import io.cuga.api.event.EventPublisher;
import io.cuga.api.event.EventTypes;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyException;

/**
 * The loader component with its own threads on a real folder: first load, hot reload without a restart, refusals
 * that keep the previous version, partial writes, deletions, writes through the API, guardrails coming and going.
 *
 * <p>Waits are budgets, not targets: with the default scan interval of 200 ms an edit is active within about
 * three intervals, but a loaded CI machine adds scheduler delays, so every wait allows {@link #WAIT_MILLIS}. How
 * fast a reload is belongs in the benchmarks.
 */
class PolicyLoaderTest {

    /** How long a change the loader acts on by itself may take to show: many scan intervals. */
    static final long WAIT_MILLIS = 10_000;

    /**
     * The scan interval of the tests that write a document in two steps on purpose (half of it then the rest, or
     * delete it then write it again). The watcher acts on a file once two scans in a row see it the same, so the
     * second step must come before the second scan after the first step: with the default 200 ms a test thread
     * that got no CPU for a few hundred ms would activate the half (or deactivate the profile); with 1 s it takes
     * a stall of nearly 2 s. That a change seen by a single scan is never acted on is shown scan by scan, without
     * timing, in {@link FolderPollerTest}.
     */
    static final long SLOW_POLL_MILLIS = 1_000;

    @TempDir
    Path config;
    Path policies;
    final PolicyLoader loader = new PolicyLoader();
    final List<Event> events = new CopyOnWriteArrayList<>();
    final EventPublisher publisher = events::add;
    final FakeGuardrail allowlist = new FakeGuardrail("allowlist");
    final ServiceReference<Guardrail> allowlistRef = Proxies.reference(11, "allowlist", 100);
    boolean active;

    @BeforeEach
    void folder() throws Exception {
        policies = Files.createDirectories(config.resolve("policies"));
    }

    @AfterEach
    void stop() {
        if (active) {
            loader.deactivate();
        }
    }

    void start() throws Exception {
        start(Map.of());
    }

    /** @param settings configuration overrides by attribute method name, such as {@code poll_millis} */
    void start(Map<String, Object> settings) throws Exception {
        loader.bindEventPublisher(publisher);
        loader.bindGuardrail(allowlist, allowlistRef);
        loader.activate(Proxies.context(Map.of("cuga.config", config.toString())),
            Proxies.config(PolicyLoader.Config.class, settings));
        active = true;
    }

    static String doc(String profile, String... allow) {
        return "profile: " + profile + "\nguardrails: [allowlist]\nallowlist:\n  allow: [" + String.join(", ", allow)
            + "]\n";
    }

    void write(String name, String text) throws Exception {
        Files.writeString(policies.resolve(name), text);
    }

    long version(String profile) {
        return loader.active(profile).map(Policy::version).orElse(0L);
    }

    /** Polls until the condition holds, for at most {@link #WAIT_MILLIS}. */
    static void await(BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - start > WAIT_MILLIS * 1_000_000) {
                throw new AssertionError("not within " + WAIT_MILLIS + " ms");
            }
            Thread.sleep(10);
        }
    }

    List<String> eventTypes() {
        return events.stream().map(e -> e.type() + " " + e.profile() + " " + e.status()).toList();
    }

    @Test
    void loadsTheFolderAtStartAndIsReady() throws Exception {
        write("default.yaml", doc("default", "calculator", "\"sample_*\""));
        write("ops.yaml", doc("ops", "calculator"));
        start();
        assertThat(version("default")).isEqualTo(1);
        assertThat(loader.all()).extracting(Policy::profile).containsExactly("default", "ops");
        Policy policy = loader.active("default").orElseThrow();
        assertThat(policy.source()).isEqualTo("policies/default.yaml");
        assertThat(policy.author()).isEqualTo("file");
        assertThat(loader.name()).isEqualTo("policy");
        assertThat(loader.check().ready()).isTrue();
        assertThat(loader.check().detail()).isEqualTo("active: default v1, ops v1");
        Event reloaded = events.get(0);
        assertThat(reloaded.type()).isEqualTo(EventTypes.POLICY_RELOADED);
        assertThat(reloaded.profile()).isEqualTo("default");
        assertThat(reloaded.attributes()).containsEntry("version", 1L).containsEntry("digest", policy.digest())
            .containsEntry("author", "file").containsEntry("source", "policies/default.yaml");
    }

    @Test
    void withoutADefaultPolicyTheServerIsNotReady() throws Exception {
        write("ops.yaml", doc("ops", "calculator"));
        start();
        assertThat(loader.check().ready()).isFalse();
        assertThat(loader.check().detail()).isEqualTo(
            "no valid policy for profile 'default' (no document policies/default.yaml)");
    }

    @Test
    void aValidEditIsActiveWithoutARestart() throws Exception {
        write("default.yaml", doc("default", "calculator"));
        start();
        write("default.yaml", doc("default", "calculator", "sample_echo"));
        await(() -> version("default") == 2);
        assertThat(((FakeGuardrail.FakeRules) loader.active("default").orElseThrow().rules("allowlist")).allow())
            .containsExactly("calculator", "sample_echo");

        write("new.yaml", doc("new", "calculator"));
        await(() -> version("new") == 1);
    }

    @Test
    void anInvalidEditIsRefusedWithItsLocationAndThePreviousVersionKeepsServing() throws Exception {
        write("default.yaml", doc("default", "calculator"));
        start();
        write("default.yaml", "profile: default\nguardrails: [allowlist]\nallowlist:\n  allow: [calculator]\n  deny: x\n");
        await(() -> events.stream().anyMatch(e -> e.type().equals(EventTypes.POLICY_REJECTED)));
        assertThat(version("default")).isEqualTo(1);
        Event rejected = events.stream().filter(e -> e.type().equals(EventTypes.POLICY_REJECTED)).findFirst()
            .orElseThrow();
        assertThat(rejected.status()).isEqualTo("error");
        assertThat(rejected.attributes()).containsEntry("file", "policies/default.yaml").containsEntry("line", 5)
            .containsEntry("column", 3).containsEntry("path", "/allowlist/deny")
            .containsEntry("message", "unknown key 'deny'").containsEntry("activeVersion", 1L);
        PolicyException error = loader.profile("default").orElseThrow().lastRefusal().error();
        assertThat(error.toString()).isEqualTo("policies/default.yaml:5:3: /allowlist/deny: unknown key 'deny'");
    }

    @Test
    void aFileWrittenInTwoStepsNeverActivatesItsFirstHalf() throws Exception {
        write("default.yaml", doc("default", "calculator"));
        start(Map.of("poll_millis", SLOW_POLL_MILLIS));
        String full = "profile: default\nguardrails: [allowlist]\nallowlist:\n  allow: [calculator, sample_echo]\n";
        // the first half is a valid document on its own: activating it would drop sample_echo
        String half = full.substring(0, full.indexOf("  allow"));
        for (int round = 0; round < 5; round++) {
            String text = round % 2 == 0 ? full : full.replace("sample_echo", "sample_" + round);
            write("default.yaml", text.substring(0, half.length()));
            Thread.sleep(40);
            Files.writeString(policies.resolve("default.yaml"), text.substring(half.length()),
                java.nio.file.StandardOpenOption.APPEND);
            long expected = round + 2;
            await(() -> version("default") == expected);
        }
        assertThat(eventTypes()).doesNotContain(EventTypes.POLICY_REJECTED + " default error");
        for (Policy policy : loader.all()) {
            assertThat(((FakeGuardrail.FakeRules) policy.rules("allowlist")).allow()).hasSize(2);
        }
        assertThat(loader.history("default")).hasSize(6).allSatisfy(revision ->
            assertThat(revision.digest()).isNotEqualTo(PolicyCompiler.digest(half.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aTruncatedFileIsRefusedAndTheRestActivatesWhenItArrives() throws Exception {
        write("default.yaml", doc("default", "calculator"));
        start();
        String full = doc("default", "calculator", "sample_echo");
        write("default.yaml", full.substring(0, full.indexOf("sample_echo")));
        await(() -> loader.profile("default").orElseThrow().lastRefusal() != null);
        assertThat(loader.profile("default").orElseThrow().lastRefusal().error().getMessage())
            .startsWith("invalid YAML");
        assertThat(version("default")).isEqualTo(1);
        Files.writeString(policies.resolve("default.yaml"), full.substring(full.indexOf("sample_echo")),
            java.nio.file.StandardOpenOption.APPEND);
        await(() -> version("default") == 2);
        assertThat(loader.profile("default").orElseThrow().lastRefusal()).isNull();
    }

    @Test
    void deletingTheFileDeactivatesTheProfileButReplacingItDoesNot() throws Exception {
        write("default.yaml", doc("default", "calculator"));
        write("ops.yaml", doc("ops", "calculator"));
        start(Map.of("poll_millis", SLOW_POLL_MILLIS));
        // an editor that deletes and writes again
        Files.delete(policies.resolve("ops.yaml"));
        Thread.sleep(30);
        write("ops.yaml", doc("ops", "calculator", "sample_echo"));
        await(() -> version("ops") == 2);
        // an editor that renames a temporary file over the document
        Path temporary = policies.resolve(".ops.yaml.swp");
        Files.writeString(temporary, doc("ops", "sample_echo"));
        Files.move(temporary, policies.resolve("ops.yaml"), StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
        await(() -> version("ops") == 3);
        assertThat(eventTypes()).doesNotContain(EventTypes.POLICY_RELOADED + " ops removed");

        Files.delete(policies.resolve("ops.yaml"));
        await(() -> eventTypes().contains(EventTypes.POLICY_RELOADED + " ops removed"));
        assertThat(loader.active("ops")).isEmpty();
        assertThat(loader.profile("ops").orElseThrow().active()).isNull();
    }

    @Test
    void aDocumentPutThroughTheApiIsWrittenToItsFileAndActiveOnce() throws Exception {
        write("default.yaml", doc("default", "calculator"));
        start();
        String body = doc("default", "sample_echo");
        Policy put = loader.put("default", body.getBytes(StandardCharsets.UTF_8), "alice");
        assertThat(put.version()).isEqualTo(2);
        assertThat(put.author()).isEqualTo("alice");
        assertThat(Files.readString(policies.resolve("default.yaml"))).isEqualTo(body);
        try (var listing = Files.list(policies)) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("default.yaml");
        }
        Thread.sleep(700);
        assertThat(version("default")).as("the watcher does not load our own write again").isEqualTo(2);

        Policy created = loader.put("fresh", doc("fresh", "a").getBytes(StandardCharsets.UTF_8), "alice");
        assertThat(created.version()).isEqualTo(1);
        assertThat(policies.resolve("fresh.yaml")).exists();

        PolicyException invalid = catchThrowableOfType(PolicyException.class,
            () -> loader.put("default", "profile: default\nguardrails: [nope]\n".getBytes(), "alice"));
        assertThat(invalid.line()).isEqualTo(2);
        assertThat(invalid.column()).isEqualTo(14);
        assertThat(Files.readString(policies.resolve("default.yaml"))).isEqualTo(body);

        Policy rolled = loader.rollback("default", 1, "bob");
        assertThat(rolled.version()).isEqualTo(3);
        assertThat(Files.readString(policies.resolve("default.yaml"))).isEqualTo(doc("default", "calculator"));
    }

    @Test
    void guardrailsComingAndGoingAreSeenAtOnce() throws Exception {
        write("default.yaml", doc("default", "calculator"));
        write("ops.yaml", "profile: ops\nguardrails: [allowlist, budget]\n");
        start();
        assertThat(loader.active("ops")).isEmpty();
        assertThat(loader.profile("ops").orElseThrow().lastRefusal().error().toString()).isEqualTo(
            "policies/ops.yaml:2:25: /guardrails/1: guardrail type 'budget' is not installed (no Guardrail service "
                + "with cuga.guardrail.type=budget): install its bundle");

        FakeGuardrail budget = new FakeGuardrail("budget");
        loader.bindGuardrail(budget, Proxies.reference(12, "budget", 500));
        await(() -> version("ops") == 1);
        assertThat(loader.active("ops").orElseThrow().guardrails()).containsExactly("allowlist", "budget");

        loader.unbindGuardrail(allowlist, allowlistRef);
        assertThat(loader.active("default").orElseThrow().rules("allowlist"))
            .isInstanceOf(MissingGuardrailRules.class);
        assertThat(loader.check().ready()).isFalse();
        assertThat(loader.check().detail()).contains("profile 'default' needs guardrail type allowlist");

        loader.bindGuardrail(new FakeGuardrail("allowlist"), Proxies.reference(13, "allowlist", 100));
        await(() -> version("default") == 2 && version("ops") == 2);
        assertThat(loader.check().ready()).isTrue();
    }

    @Test
    void aFileNamedWronglyIsRefusedAndOthersAreIgnored() throws Exception {
        write("default.yaml", doc("default", "calculator"));
        write("My Policy.yaml", doc("x", "a"));
        write("notes.txt", "hello");
        write(".hidden.yaml", "profile: hidden");
        start();
        assertThat(loader.all()).extracting(Policy::profile).containsExactly("default");
        assertThat(events.stream().filter(e -> e.type().equals(EventTypes.POLICY_REJECTED))
            .map(e -> e.attributes().get("message"))).containsExactly(
                "the file name must be <profile>.yaml, the profile 1-64 of A-Z a-z 0-9 . _ -");
    }
}
