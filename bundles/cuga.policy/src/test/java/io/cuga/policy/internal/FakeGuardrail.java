package io.cuga.policy.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import io.cuga.api.decision.Decision;
import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;

/**
 * A small but real guardrail for the tests: its section has {@code allow} (tool names) and {@code ceiling} (a
 * non-negative integer); unknown keys are refused. A child tightens when its allow list is a subset and its
 * ceiling not higher. It can be told to misbehave (throw, hang, return null).
 */
public class FakeGuardrail implements Guardrail {

    /** How compile behaves. */
    enum Mode { NORMAL, THROW, HANG, NULL }

    final String type;
    volatile Mode mode = Mode.NORMAL;
    final AtomicInteger compiles = new AtomicInteger();
    final CountDownLatch hanging = new CountDownLatch(1);

    public FakeGuardrail() {
        this("fake");
    }

    FakeGuardrail(String type) {
        this.type = type;
    }

    @Override
    public Rules compile(Map<String, Object> section, String profile) throws PolicyException {
        compiles.incrementAndGet();
        switch (mode) {
            case THROW -> throw new IllegalStateException("boom\nsecond line");
            case HANG -> {
                try {
                    hanging.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            }
            case NULL -> {
                return null;
            }
            default -> {
            }
        }
        List<String> allow = new ArrayList<>();
        long ceiling = Long.MAX_VALUE;
        for (Map.Entry<String, Object> entry : section.entrySet()) {
            switch (entry.getKey()) {
                case "allow" -> {
                    if (!(entry.getValue() instanceof List<?> list)) {
                        throw new PolicyException("/allow", "must be a list of tool names");
                    }
                    for (int i = 0; i < list.size(); i++) {
                        if (!(list.get(i) instanceof String name)) {
                            throw new PolicyException("/allow/" + i, "must be a tool name (a string)");
                        }
                        allow.add(name);
                    }
                }
                case "ceiling" -> {
                    if (!(entry.getValue() instanceof Integer number) || number < 0) {
                        throw new PolicyException("/ceiling", "must be a non-negative integer");
                    }
                    ceiling = number;
                }
                default -> throw new PolicyException("/" + entry.getKey(), "unknown key '" + entry.getKey() + "'");
            }
        }
        return new FakeRules(type, profile, List.copyOf(allow), ceiling, section);
    }

    /** The compiled section. */
    record FakeRules(String type, String profile, List<String> allow, long ceiling, Map<String, Object> section)
        implements Rules {

        @Override
        public Decision check(GuardedCall call) {
            return allow.contains(call.tool().name()) ? Decision.allow()
                : Decision.deny(type, "allow", call.tool().name() + " is not allowed");
        }

        @Override
        public void checkTightens(Rules parent) throws PolicyException {
            FakeRules other = (FakeRules) parent;
            for (int i = 0; i < allow.size(); i++) {
                if (!other.allow.contains(allow.get(i))) {
                    throw new PolicyException("/allow/" + i, "'" + allow.get(i) + "' is not allowed by the parent");
                }
            }
            if (ceiling > other.ceiling) {
                throw new PolicyException("/ceiling", "ceiling " + ceiling + " is above the parent's " + other.ceiling);
            }
        }
    }

    /** Type allowlist, for ServiceLoader (the CLI test). */
    public static final class Allowlist extends FakeGuardrail {
        public Allowlist() {
            super("allowlist");
        }
    }

    /** Type schema, for ServiceLoader (the CLI test). */
    public static final class Schema extends FakeGuardrail {
        public Schema() {
            super("schema");
        }
    }
}
