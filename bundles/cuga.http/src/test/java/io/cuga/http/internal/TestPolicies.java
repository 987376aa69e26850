package io.cuga.http.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyAdmin;
import io.cuga.api.policy.PolicyException;

/**
 * A hand-written PolicyAdmin for the servlet tests: the real loader is tested in cuga.policy; this one lets a
 * test choose the answers (a body containing {@code invalid} is refused at 3:5, {@code unwritable} fails to be
 * written) and see what the servlet passed on.
 */
final class TestPolicies implements PolicyAdmin {

    /** A policy as the servlet sees it. */
    record SimplePolicy(String profile, long version, String digest, String source, String author,
        Instant activatedAt, List<String> guardrails, Map<String, Object> document) implements Policy {

        @Override
        public Guardrail.Rules rules(String type) {
            return null;
        }
    }

    final Map<String, ProfileState> states = new TreeMap<>();
    final Map<String, List<Revision>> histories = new TreeMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();

    TestPolicies() {
        activate("default", "file", "policies/default.yaml", "");
        states.put("ops", new ProfileState("ops", null, new Refusal("ops", "sha256:" + "b".repeat(64),
            "policies/ops.yaml", "file", Instant.parse("2026-11-27T10:00:00Z"),
            new PolicyException("/guardrails/1", "guardrail type 'egress' is not installed", "policies/ops.yaml", 2,
                25)), List.of()));
    }

    private Policy activate(String profile, String author, String source, String note) {
        List<Revision> history = histories.computeIfAbsent(profile, p -> new ArrayList<>());
        long version = history.size() + 1;
        SimplePolicy policy = new SimplePolicy(profile, version, "sha256:" + Long.toString(version).repeat(64)
            .substring(0, 64), source, author, Instant.parse("2026-11-27T12:00:00Z").plusSeconds(version),
            List.of("allowlist"), Map.of("profile", profile, "guardrails", List.of("allowlist"), "allowlist",
                Map.of("allow", List.of("calculator"))));
        history.add(0, new Revision(profile, version, policy.digest(), author, source, policy.activatedAt(), note));
        states.put(profile, new ProfileState(profile, policy, null, List.of()));
        return policy;
    }

    @Override
    public synchronized List<ProfileState> profiles() {
        return new ArrayList<>(states.values());
    }

    @Override
    public synchronized Optional<ProfileState> profile(String profile) {
        return Optional.ofNullable(states.get(profile));
    }

    @Override
    public synchronized Policy put(String profile, byte[] document, String author) throws PolicyException,
        IOException {
        String text = new String(document, StandardCharsets.UTF_8);
        calls.add("put " + profile + " by " + author + ": " + text);
        if (text.contains("invalid")) {
            throw new PolicyException("/allowlist/allow", "must be a list", "policies/" + profile + ".yaml", 3, 5);
        }
        if (text.contains("unwritable")) {
            throw new IOException("read-only file system");
        }
        return activate(profile, author, "api", "");
    }

    @Override
    public synchronized List<Revision> history(String profile) {
        return List.copyOf(histories.getOrDefault(profile, List.of()));
    }

    @Override
    public synchronized Policy rollback(String profile, long version, String author) throws PolicyException,
        IOException {
        calls.add("rollback " + profile + " to " + version + " by " + author);
        if (history(profile).stream().noneMatch(r -> r.version() == version)) {
            throw new NoSuchElementException("no version " + version);
        }
        if (version == 99) {
            throw new PolicyException("/guardrails/0", "guardrail type 'x' is not installed", "policies/x.yaml", 2, 14);
        }
        return activate(profile, author, "api", "rollback to v" + version);
    }
}
