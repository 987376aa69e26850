package io.cuga.agents.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.cuga.api.tool.ToolDescriptor;

/**
 * Routes steps to named workers. {@code round_robin} takes the workers in turn. {@code capability} takes the
 * workers whose capabilities include the tool's risk tier ({@code READ}, ...), its bundle ({@code
 * bundle:cuga.tool.http}) or its name ({@code tool:calculator}), in turn among them; when none has the
 * capability it falls back to round robin over all, with a lower confidence and a reason that says so.
 */
final class Coordinator {

    /** The strategies. */
    enum Strategy {
        ROUND_ROBIN, CAPABILITY;

        static Strategy parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("routing '" + s + "' is not one of round_robin, capability");
            }
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A routing decision.
     *
     * @param worker the chosen worker
     * @param strategy the strategy that chose it
     * @param reason why
     * @param alternatives the other workers that could have taken it
     * @param confidence how sure the coordinator is the worker fits, 0 to 1
     */
    record Route(String worker, Strategy strategy, String reason, List<String> alternatives, double confidence) {
    }

    private final Strategy strategy;
    private final List<String> workers;
    private final Map<String, Set<String>> capabilities;
    private final AtomicLong turn = new AtomicLong();

    /**
     * @param strategy the strategy
     * @param workers the workers' names, in order (at least one)
     * @param capabilities {@code worker=cap,cap} entries (capability strategy)
     */
    Coordinator(Strategy strategy, List<String> workers, List<String> capabilities) {
        if (workers.isEmpty()) {
            throw new IllegalArgumentException("at least one worker is needed");
        }
        this.strategy = strategy;
        this.workers = List.copyOf(workers);
        this.capabilities = new LinkedHashMap<>();
        for (String entry : capabilities) {
            int eq = entry.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("capability entry '" + entry + "' is not worker=cap,cap");
            }
            String worker = entry.substring(0, eq).trim();
            if (!this.workers.contains(worker)) {
                throw new IllegalArgumentException("capability entry names worker '" + worker
                    + "', which is not one of " + this.workers);
            }
            Set<String> caps = this.capabilities.computeIfAbsent(worker, w -> new LinkedHashSet<>());
            for (String cap : entry.substring(eq + 1).split(",")) {
                if (!cap.isBlank()) {
                    caps.add(cap.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
    }

    /** @return the workers' names */
    List<String> workers() {
        return workers;
    }

    /** @return the strategy */
    Strategy strategy() {
        return strategy;
    }

    /**
     * @param tool the step's tool
     * @return where it goes and why
     */
    Route route(ToolDescriptor tool) {
        if (strategy == Strategy.ROUND_ROBIN) {
            String chosen = workers.get((int) (turn.getAndIncrement() % workers.size()));
            return new Route(chosen, strategy, "round robin: next in turn of " + workers.size() + " workers",
                others(workers, chosen), 1.0);
        }
        String tier = tool.risk().name().toLowerCase(Locale.ROOT);
        String bundle = "bundle:" + tool.bundle().toLowerCase(Locale.ROOT);
        String name = "tool:" + tool.name().toLowerCase(Locale.ROOT);
        List<String> capable = new ArrayList<>();
        String matched = null;
        for (String w : workers) {
            Set<String> caps = capabilities.getOrDefault(w, Set.of());
            for (String wanted : List.of(name, bundle, tier)) {
                if (caps.contains(wanted)) {
                    capable.add(w);
                    matched = matched == null ? wanted : matched;
                    break;
                }
            }
        }
        if (capable.isEmpty()) {
            String chosen = workers.get((int) (turn.getAndIncrement() % workers.size()));
            return new Route(chosen, strategy, "no worker has capability " + tier + ", " + bundle + " or " + name
                + ": fell back to round robin", others(workers, chosen), 0.5);
        }
        String chosen = capable.get((int) (turn.getAndIncrement() % capable.size()));
        return new Route(chosen, strategy, "capability " + capabilityOf(chosen, name, bundle, tier)
            + " of tool " + tool.name() + " (risk " + tool.risk() + ")", others(capable, chosen),
            1.0 / capable.size() >= 1 ? 1.0 : 0.9);
    }

    private String capabilityOf(String worker, String name, String bundle, String tier) {
        Set<String> caps = capabilities.getOrDefault(worker, Set.of());
        return caps.contains(name) ? name : caps.contains(bundle) ? bundle : tier;
    }

    private static List<String> others(List<String> all, String chosen) {
        List<String> rest = new ArrayList<>(all);
        rest.remove(chosen);
        return rest;
    }
}
