package io.cuga.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;

/**
 * The policy documents and the call the benchmarks use. An "N-rule" policy has N entries in every list the chain
 * scans on a call (allow and deny globs, egress allow_domains, ratelimit rules, approval tool globs), N/10 in the
 * smaller ones (risk overrides, schemas, deny_domains) and the 9 budget limits the format allows (3 kinds x 3
 * scopes). Every list is ordered so a call pays the most: no deny glob matches (all are tried), the called tool
 * matches the last allow glob, the host the last allow_domains entry (or none, for an address literal that an
 * allow_cidrs block admits), and two of the N ratelimit rules match the tool.
 */
public final class PolicyDocuments {

    /** The profile of every benchmark policy (its file would be {@code policies/bench.yaml}). */
    public static final String PROFILE = "bench";

    /** The guardrails of the chain the issue measures, in chain order. */
    public static final List<String> CHAIN = List.of("allowlist", "schema", "egress", "ratelimit", "budget",
        "approval");

    /** The tool called: the platform's {@code http_get}, READ, with its outbound argument {@code url}. */
    public static final ToolDescriptor TOOL = new ToolDescriptor("http_get", "GET a URL through egress",
        "{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\"},\"headers\":{\"type\":\"object\"}},"
            + "\"required\":[\"url\"]}",
        RiskTier.READ, List.of("url"), 0, "cuga.tool.http", "1.0.0");

    private PolicyDocuments() {
    }

    /**
     * @param host the host of the URL: an address literal ({@code 127.0.0.1}, admitted by an allow_cidrs block
     *     without any lookup) or {@code localhost} (resolved by the JDK, from /etc/hosts, cached)
     * @return the call's arguments: an outbound URL and a header map, as the http tools take them
     */
    public static Map<String, Object> arguments(String host) {
        return Map.of("url", "http://" + host + ":8080/status?verbose=1",
            "headers", Map.of("Accept", "application/json"));
    }

    /**
     * @param rules N, the length of every list the chain scans (at least 3)
     * @param description the document's description; two descriptions make two documents with other digests
     * @return the document's bytes
     */
    public static byte[] policy(int rules, String description) {
        return yaml(rules, description).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param rules N, the length of every list the chain scans (at least 3)
     * @return how many entries the document has in all its lists and maps of rules
     */
    public static int entries(int rules) {
        int tenth = Math.max(1, rules / 10);
        return rules /* allow */ + rules /* deny */ + 1 /* bundles */ + tenth /* risk */
            + tenth /* schemas */
            + 2 /* schemes */ + rules /* allow_domains */ + tenth /* deny_domains */ + 2 /* allow_cidrs */
            + rules /* ratelimit */ + 9 /* budget */ + 2 /* tiers */ + rules /* approval tools */;
    }

    /**
     * @param rules N, the length of every list the chain scans (at least 3)
     * @param description the document's description
     * @return the document
     */
    public static String yaml(int rules, String description) {
        if (rules < 3) {
            throw new IllegalArgumentException("at least 3 rules per list, not " + rules);
        }
        int tenth = Math.max(1, rules / 10);
        StringBuilder y = new StringBuilder(16_384);
        y.append("profile: ").append(PROFILE).append('\n');
        y.append("description: \"").append(description).append("\"\n");
        y.append("guardrails: [").append(String.join(", ", CHAIN)).append("]\n");

        y.append("\nallowlist:\n  allow:\n");
        for (int i = 0; i < rules - 1; i++) {
            String glob = switch (i % 3) {
                case 0 -> "svc_%03d_*";
                case 1 -> "*_op_%03d";
                default -> "h?tp_%03d_*";
            };
            item(y, 4, glob.formatted(i));
        }
        item(y, 4, "http_*");
        y.append("  deny:\n");
        for (int i = 0; i < rules; i++) {
            item(y, 4, (i % 2 == 0 ? "*_delete_%03d" : "admin_%03d_*").formatted(i));
        }
        y.append("  bundles: [\"cuga.tool.*\"]\n");
        y.append("  risk:\n");
        for (int i = 0; i < tenth; i++) {
            y.append("    svc_%03d_write: WRITE\n".formatted(i));
        }

        y.append("\nschema:\n  tools:\n");
        y.append("""
                http_get:
                  type: object
                  properties:
                    url: {type: string, maxLength: 2048, pattern: "^https?://"}
                    headers:
                      type: object
                      maxProperties: 32
                      additionalProperties: {type: string, maxLength: 1024}
                  required: [url]
            """);
        for (int i = 1; i < tenth; i++) {
            y.append("""
                    svc_%03d_call:
                      type: object
                      properties:
                        id: {type: integer, minimum: 0}
                        name: {type: string, maxLength: 64}
                        tags: {type: array, items: {type: string}, maxItems: 16}
                      required: [id]
                """.formatted(i));
        }

        y.append("\negress:\n  schemes: [http, https]\n  allow_domains:\n");
        for (int i = 0; i < rules - 1; i++) {
            item(y, 4, (i % 2 == 0 ? "svc-%03d.example.com" : "*.region-%03d.example.net").formatted(i));
        }
        item(y, 4, "localhost");
        y.append("  deny_domains:\n");
        for (int i = 0; i < tenth; i++) {
            item(y, 4, "*.blocked-%03d.example.org".formatted(i));
        }
        y.append("  allow_cidrs: [\"127.0.0.0/8\", \"::1\"]\n");

        y.append("\nratelimit:\n  rules:\n");
        String[] scopes = {"profile", "session", "caller"};
        for (int i = 0; i < rules - 2; i++) {
            y.append("    - {tool: \"svc_%03d_*\", scope: %s, per_second: 100, burst: 200}\n"
                .formatted(i, scopes[i % 3]));
        }
        // the two that match http_get: buckets that never run dry during a run (1e9 tokens, refilled at 1e6/s)
        y.append("    - {tool: \"http_*\", scope: session, per_second: 1000000, burst: 1000000000}\n");
        y.append("    - {tool: \"*\", scope: profile, per_second: 1000000, burst: 1000000000}\n");

        y.append("\nbudget:\n  limits:\n");
        for (String kind : List.of("calls", "cost", "tokens")) {
            for (String scope : List.of("profile", "session", "task")) {
                y.append("    - {kind: ").append(kind).append(", scope: ").append(scope)
                    .append(", ceiling: 1000000000000");
                if (kind.equals("cost")) {
                    y.append(", estimate: 0.01");
                } else if (kind.equals("tokens")) {
                    y.append(", estimate: 100");
                }
                y.append("}\n");
            }
        }

        y.append("\napproval:\n  tiers: [DELETE, FINANCIAL]\n  tools:\n");
        for (int i = 0; i < rules; i++) {
            item(y, 4, (i % 2 == 0 ? "*_payout_%03d" : "transfer_%03d_*").formatted(i));
        }
        y.append("  timeout_seconds: 300\n");
        return y.toString();
    }

    private static void item(StringBuilder y, int indent, String text) {
        y.append(" ".repeat(indent)).append("- \"").append(text).append("\"\n");
    }
}
