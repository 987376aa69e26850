package io.cuga.webconsole.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.dispatch.Diagnostic;
import io.cuga.api.dispatch.ToolInfo;
import io.cuga.api.policy.PolicyException;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;

/** What the pages render from the services' data, apart from the servlet container. */
class PagesTest {

    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\"}}}";

    private static ToolInfo tool(String name, ToolInfo.State state, String reason) {
        ToolDescriptor d = state == ToolInfo.State.REFUSED ? null : new ToolDescriptor(name, "says " + name, SCHEMA,
            RiskTier.WRITE, List.of("api.example.org"), 1500, "e2e.bundle", "1.2.3");
        return new ToolInfo(name, "e2e.bundle", "1.2.3", state, reason, d);
    }

    @Test
    void toolsPageShowsEveryStateWithBundleRiskSchemaAndReasonAndFilters() {
        List<ToolInfo> tools = List.of(tool("echo", ToolInfo.State.VISIBLE, ""),
            tool("secret", ToolInfo.State.HIDDEN, "not allowlisted by cuga.allowlist"),
            tool("Bad Name", ToolInfo.State.REFUSED, "invalid name"));
        List<Diagnostic> diagnostics = List.of(new Diagnostic("bundle_unresolved", "e2e.broken 0.1.0",
            "missing requirement io.cuga.api.tool [2.0,3)", Instant.parse("2026-11-27T10:00:00Z")));
        Html page = new Html();
        ToolsPlugin.render(page, tools, diagnostics, "", "");
        String html = page.toString();
        assertThat(html).contains("3 tracked: 1 visible, 1 hidden, 1 refused")
            .contains("<tr data-tool=\"echo\">").contains("<tr data-tool=\"secret\">")
            .contains("not allowlisted by cuga.allowlist").contains("invalid name")
            .contains("<td>e2e.bundle</td><td>1.2.3</td><td>WRITE</td>").contains("1500 ms")
            .contains("api.example.org").contains("<summary>message</summary>")
            .contains("bundle_unresolved").contains("2026-11-27 10:00:00Z")
            .contains("missing requirement io.cuga.api.tool [2.0,3)");

        Html hidden = new Html();
        ToolsPlugin.render(hidden, tools, List.of(), "hidden", "");
        assertThat(hidden.toString()).contains("data-tool=\"secret\"").doesNotContain("data-tool=\"echo\"")
            .contains("id=\"cuga-diagnostics-none\"");
        Html search = new Html();
        ToolsPlugin.render(search, tools, List.of(), "", "ECH");
        assertThat(search.toString()).contains("data-tool=\"echo\"").doesNotContain("data-tool=\"secret\"");
        Html none = new Html();
        ToolsPlugin.render(none, tools, List.of(), "", "zzz");
        assertThat(none.toString()).contains("No tool matches the filter.");
    }

    @Test
    void aRefusalSaysLineColumnAndPath() {
        PolicyException e = new PolicyException("/guardrails/1", "unknown type", "policies/default.yaml", 2, 25);
        assertThat(PoliciesPlugin.where(e)).isEqualTo("line 2, column 25 of policies/default.yaml (at /guardrails/1)");
        assertThat(PoliciesPlugin.where(new PolicyException("", "empty"))).isEqualTo("position unknown");
        assertThat(PoliciesPlugin.shortDigest("sha256:0123456789abcdef0123")).isEqualTo("0123456789ab…");
    }

    @Test
    void auditSearchReadsFiltersAndReportsBadOnesInsteadOfFailing() {
        Map<String, String> q = new HashMap<>();
        q.put("tool", " calculator ");
        q.put("decision", "deny");
        q.put("trace", "0AF7651916CD43DD8448EB211C80319C");
        q.put("since", "2026-11-27T10:00");
        q.put("limit", "25");
        q.put("before", "120");
        AuditPlugin.Search s = AuditPlugin.Search.parse(q::get);
        assertThat(s.problems()).isEmpty();
        assertThat(s.query().tool()).isEqualTo("calculator");
        assertThat(s.query().decision()).isEqualTo("DENY");
        assertThat(s.query().traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(s.query().since()).isEqualTo(Instant.parse("2026-11-27T10:00:00Z"));
        assertThat(s.query().limit()).isEqualTo(25);
        assertThat(s.query().beforeSeq()).isEqualTo(120);

        Map<String, String> bad = Map.of("decision", "maybe", "trace", "xyz", "since", "yesterday", "limit", "0",
            "before", "-3");
        AuditPlugin.Search b = AuditPlugin.Search.parse(bad::get);
        assertThat(b.problems()).hasSize(5);
        assertThat(b.query().decision()).isNull();
        assertThat(b.query().traceId()).isNull();
        assertThat(b.query().since()).isNull();
        assertThat(b.query().limit()).isEqualTo(50);
        assertThat(b.query().beforeSeq()).isZero();
        assertThat(AuditPlugin.Search.instant("2026-11-27T10:00:00+02:00")).isEqualTo(
            Instant.parse("2026-11-27T08:00:00Z"));
    }
}
