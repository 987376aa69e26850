package io.cuga.webconsole.internal;

import java.util.List;
import java.util.Locale;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.dispatch.Diagnostic;
import io.cuga.api.dispatch.ToolInfo;
import io.cuga.api.dispatch.ToolRegistry;
import io.cuga.api.tool.ToolDescriptor;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Tools: every tool service the orchestrator tracks, visible, hidden or refused, with its bundle, version, risk
 * tier and schema and why it is not callable; below, the problems noticed with deployed bundles (a bundle that
 * cannot resolve, a refused tool). Filters: state and a text search over name, bundle and description.
 */
@Component(service = Servlet.class, property = {
    "felix.webconsole.label=" + ToolsPlugin.LABEL,
    "felix.webconsole.title=Tools",
    "felix.webconsole.category=" + ConsolePlugin.CATEGORY})
public final class ToolsPlugin extends ConsolePlugin {

    private static final long serialVersionUID = 1L;
    static final String LABEL = "cuga-tools";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ToolRegistry registry;

    @Override
    String label() {
        return LABEL;
    }

    @Override
    void render(HttpServletRequest request, Html page, List<Flash> flashes) {
        ToolRegistry r = registry;
        if (r == null) {
            missing(page, "The tool list", "io.cuga.api.dispatch.ToolRegistry (bundle cuga.orchestrator)");
            return;
        }
        render(page, r.all(), r.diagnostics(), param(request, "state"), param(request, "q"));
    }

    /**
     * @param page where to write
     * @param tools every tracked tool
     * @param diagnostics problems with deployed bundles
     * @param state only this state ({@code VISIBLE}, {@code HIDDEN}, {@code REFUSED}), blank for all
     * @param query only tools whose name, bundle or description contains this (any case), blank for all
     */
    static void render(Html page, List<ToolInfo> tools, List<Diagnostic> diagnostics, String state, String query) {
        String wanted = state == null ? "" : state.toUpperCase(Locale.ROOT);
        String q = query == null ? "" : query.toLowerCase(Locale.ROOT);
        long visible = tools.stream().filter(t -> t.state() == ToolInfo.State.VISIBLE).count();
        long hidden = tools.stream().filter(t -> t.state() == ToolInfo.State.HIDDEN).count();
        long refused = tools.stream().filter(t -> t.state() == ToolInfo.State.REFUSED).count();

        page.raw("<h2>Tools</h2><p class=\"cuga-summary\">").text(tools.size() + " tracked: " + visible
            + " visible, " + hidden + " hidden, " + refused + " refused").raw("</p>");
        page.raw("<form method=\"get\" class=\"cuga-filters\"><label>State <select name=\"state\">");
        page.option("", "all", wanted).option("VISIBLE", "visible", wanted).option("HIDDEN", "hidden", wanted)
            .option("REFUSED", "refused", wanted);
        page.raw("</select></label> <label>Search <input type=\"search\" name=\"q\"").attr("value", query)
            .raw(" placeholder=\"name, bundle or description\"></label> <button type=\"submit\">Filter</button>"
                + "</form>");

        page.raw("<table class=\"cuga-table\" id=\"cuga-tools\"><thead><tr><th>Name</th><th>State</th>"
            + "<th>Why not callable</th><th>Bundle</th><th>Version</th><th>Risk tier</th><th>Description</th>"
            + "<th>Timeout</th><th>Outbound</th><th>Input schema</th></tr></thead><tbody>");
        int shown = 0;
        for (ToolInfo t : tools) {
            ToolDescriptor d = t.descriptor();
            if (!wanted.isEmpty() && !t.state().name().equals(wanted)) {
                continue;
            }
            if (!q.isEmpty() && !(contains(t.name(), q) || contains(t.bundle(), q)
                || (d != null && contains(d.description(), q)))) {
                continue;
            }
            shown++;
            page.raw("<tr").attr("data-tool", t.name()).raw(">");
            page.raw("<td class=\"cuga-name\">").text(t.name()).raw("</td>");
            page.raw("<td>").el("span", "cuga-badge cuga-" + t.state().name().toLowerCase(Locale.ROOT),
                t.state().name().toLowerCase(Locale.ROOT)).raw("</td>");
            page.td(t.reason()).td(t.bundle()).td(t.bundleVersion());
            if (d == null) {
                page.td("").td("").td("").td("").td("");
            } else {
                page.td(d.risk().name()).td(d.description())
                    .td(d.timeoutMillis() > 0 ? d.timeoutMillis() + " ms" : "default")
                    .td(d.outbound().isEmpty() ? "none" : String.join(", ", d.outbound()));
                page.raw("<td>");
                schema(page, d.inputSchema());
                page.raw("</td>");
            }
            page.raw("</tr>");
        }
        if (shown == 0) {
            page.raw("<tr><td colspan=\"10\" class=\"cuga-empty\">")
                .text(tools.isEmpty() ? "No tool services are tracked." : "No tool matches the filter.")
                .raw("</td></tr>");
        }
        page.raw("</tbody></table>");

        page.raw("<h2>Deployment problems</h2>");
        if (diagnostics.isEmpty()) {
            page.raw("<p class=\"cuga-empty\" id=\"cuga-diagnostics-none\">")
                .text("None: every deployed bundle resolved and every tool was accepted.").raw("</p>");
            return;
        }
        page.raw("<table class=\"cuga-table\" id=\"cuga-diagnostics\"><thead><tr><th>When</th><th>Kind</th>"
            + "<th>Subject</th><th>Problem</th></tr></thead><tbody>");
        for (Diagnostic d : diagnostics) {
            page.raw("<tr>").td(Html.time(d.at())).td(d.kind()).td(d.subject()).raw("<td class=\"cuga-pre\">")
                .text(d.message()).raw("</td></tr>");
        }
        page.raw("</tbody></table>");
    }

    /** A schema folded away: its property names as the summary, the indented schema inside. */
    private static void schema(Html page, String schema) {
        String summary;
        String pretty;
        try {
            JsonNode node = JSON.readTree(schema);
            JsonNode props = node.path("properties");
            StringBuilder names = new StringBuilder();
            props.fieldNames().forEachRemaining(n -> names.append(names.length() == 0 ? "" : ", ").append(n));
            summary = names.length() == 0 ? "no parameters" : names.toString();
            pretty = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (java.io.IOException | RuntimeException e) {
            summary = "(not valid JSON)";
            pretty = schema;
        }
        page.raw("<details><summary>").text(summary).raw("</summary><pre>").text(pretty).raw("</pre></details>");
    }

    private static boolean contains(String s, String q) {
        return s != null && s.toLowerCase(Locale.ROOT).contains(q);
    }
}
