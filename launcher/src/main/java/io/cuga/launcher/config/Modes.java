package io.cuga.launcher.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The run modes checked at start: {@code local} (the default: a model or the offline planner, always
 * satisfiable), {@code service} (AGENT_TOKEN and a budget ceiling in the default policy), {@code mcp}
 * (MCP_SERVERS_FILE names a readable file).
 */
public final class Modes {

    public static final List<String> NAMES = List.of("local", "service", "mcp");

    /** A mode whose requirements are not met: the message names each missing thing. */
    public static final class ModeException extends Exception {
        private static final long serialVersionUID = 1L;

        ModeException(String message) {
            super(message);
        }
    }

    private Modes() {
    }

    /** Checks the mode; returns the line to print about it, or throws naming what is missing. */
    public static String check(String mode, Resolved config, Map<String, String> env, Path configDir, Path cwd)
            throws ModeException {
        List<String> missing = new ArrayList<>();
        switch (mode) {
            case "local" -> {
                return "mode local: " + planner(config, env);
            }
            case "service" -> {
                if (blank(env.get("AGENT_TOKEN"))) {
                    missing.add("AGENT_TOKEN in the environment (the bearer token agents call with)");
                }
                String budget = budgetProblem(configDir.resolve("policies").resolve("default.yaml"));
                if (budget != null) {
                    missing.add(budget);
                }
                if (missing.isEmpty()) {
                    return "mode service: AGENT_TOKEN set, default policy has a budget ceiling; "
                            + planner(config, env);
                }
            }
            case "mcp" -> {
                String file = env.get("MCP_SERVERS_FILE");
                if (blank(file)) {
                    missing.add("MCP_SERVERS_FILE in the environment (the file naming the MCP servers)");
                } else if (!Files.isRegularFile(cwd.resolve(file)) || !Files.isReadable(cwd.resolve(file))) {
                    missing.add("a readable file at MCP_SERVERS_FILE=" + file);
                }
                if (missing.isEmpty()) {
                    return "mode mcp: MCP servers from " + cwd.resolve(file).normalize() + "; " + planner(config, env);
                }
            }
            default -> throw new ModeException("unknown mode '" + mode + "' (one of " + String.join(", ", NAMES)
                    + ")");
        }
        throw new ModeException("mode " + mode + " needs " + String.join("; and ", missing));
    }

    private static String planner(Resolved config, Map<String, String> env) {
        String model = value(config, "cuga.model.openai.model");
        if (model.isEmpty()) {
            model = env.getOrDefault("CUGA_MODEL", "").trim();
        }
        if (model.isEmpty()) {
            return "no model configured (agent.llm.model), the offline planner plans";
        }
        String key = !value(config, "cuga.model.openai.api.key").isEmpty() ? "api key from the configuration"
                : !value(config, "cuga.model.openai.api.key.file").isEmpty() ? "api key from a file"
                : !blank(env.get("OPENAI_API_KEY")) ? "api key from OPENAI_API_KEY" : "no api key";
        return "model " + model + " (" + key + ")";
    }

    private static String value(Resolved config, String key) {
        Resolved.Entry e = config.get(key);
        return e == null || e.value() == null ? "" : String.valueOf(e.value()).trim();
    }

    /** Why the policy has no budget ceiling, or null when it has one. */
    static String budgetProblem(Path policy) {
        String need = "a budget ceiling in " + policy + " (budget: limits: [{kind: calls, scope: profile, ceiling: N}])";
        if (!Files.isRegularFile(policy)) {
            return need + "; the file is missing";
        }
        Object doc;
        try (Reader in = Files.newBufferedReader(policy, StandardCharsets.UTF_8)) {
            doc = new Yaml(new LoaderOptions()).load(in);
        } catch (IOException | RuntimeException e) {
            return need + "; the file is not readable YAML";
        }
        if (doc instanceof Map<?, ?> m) {
            if (m.get("guardrails") instanceof List<?> g && !g.contains("budget")) {
                return "the budget guardrail in the guardrails list of " + policy;
            }
            if (m.get("budget") instanceof Map<?, ?> b && b.get("limits") instanceof List<?> limits) {
                for (Object limit : limits) {
                    if (limit instanceof Map<?, ?> l && l.get("ceiling") instanceof Number) {
                        return null;
                    }
                }
            }
        }
        return need;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
