package io.cuga.webconsole.internal;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.cuga.api.store.AuditPage;
import io.cuga.api.store.AuditQuery;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.store.ChainVerification;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Audit: the audit trail newest first, searchable by tool, decision, kind, trace, call, profile and time, paged
 * with the trail's cursor, and the result of verifying its hash chain.
 */
@Component(service = Servlet.class, property = {
    "felix.webconsole.label=" + AuditPlugin.LABEL,
    "felix.webconsole.title=Audit",
    "felix.webconsole.category=" + ConsolePlugin.CATEGORY})
public final class AuditPlugin extends ConsolePlugin {

    private static final long serialVersionUID = 1L;
    static final String LABEL = "cuga-audit";
    static final List<String> DECISIONS = List.of("ALLOW", "WARN", "REQUIRE_APPROVAL", "DENY");
    static final List<String> KINDS = List.of(AuditRecord.ATTEMPT, AuditRecord.OUTCOME, AuditRecord.APPROVAL,
        AuditRecord.POLICY, AuditRecord.AGENT);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile AuditTrail trail;

    @Override
    String label() {
        return LABEL;
    }

    /** The page's search, read from the query string, with what was wrong in it. */
    record Search(Map<String, String> fields, AuditQuery query, List<String> problems) {

        static Search parse(java.util.function.Function<String, String> param) {
            Map<String, String> f = new LinkedHashMap<>();
            for (String name : List.of("tool", "decision", "kind", "trace", "call", "profile", "since", "limit")) {
                String v = param.apply(name);
                f.put(name, v == null ? "" : v.trim());
            }
            List<String> problems = new ArrayList<>();
            String decision = f.get("decision").toUpperCase(Locale.ROOT);
            if (!decision.isEmpty() && !DECISIONS.contains(decision)) {
                problems.add("decision must be one of " + String.join(", ", DECISIONS));
                decision = "";
            }
            f.put("decision", decision);
            String trace = f.get("trace").toLowerCase(Locale.ROOT);
            if (!trace.isEmpty() && !trace.matches("[0-9a-f]{32}")) {
                problems.add("a trace id is 32 hexadecimal digits");
                trace = "";
            }
            f.put("trace", trace);
            Instant since = null;
            if (!f.get("since").isEmpty()) {
                since = instant(f.get("since"));
                if (since == null) {
                    problems.add("'since' must be a date and time such as 2026-11-27T10:00 (UTC) or an ISO-8601 "
                        + "instant");
                }
            }
            int limit = 50;
            if (!f.get("limit").isEmpty()) {
                try {
                    limit = Integer.parseInt(f.get("limit"));
                } catch (NumberFormatException e) {
                    limit = -1;
                }
                if (limit < 1 || limit > AuditQuery.MAX_LIMIT) {
                    problems.add("'limit' must be between 1 and " + AuditQuery.MAX_LIMIT);
                    limit = 50;
                }
            }
            f.put("limit", String.valueOf(limit));
            long before = 0;
            String b = param.apply("before");
            if (b != null && !b.isBlank()) {
                try {
                    before = Long.parseLong(b.trim());
                } catch (NumberFormatException e) {
                    before = -1;
                }
                if (before < 0) {
                    problems.add("'before' is not a page cursor");
                    before = 0;
                }
            }
            AuditQuery q = new AuditQuery(trace, f.get("call"), f.get("tool"), decision, f.get("kind"),
                f.get("profile"), since, before, limit);
            return new Search(f, q, problems);
        }

        /** @return the instant, or null when the text is none of the accepted forms */
        static Instant instant(String text) {
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                // next form
            }
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e) {
                // next form
            }
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }

    @Override
    void render(HttpServletRequest request, Html page, List<Flash> flashes) {
        AuditTrail t = trail;
        page.raw("<h2>Audit trail</h2>");
        if (t == null) {
            missing(page, "The audit trail", "io.cuga.api.store.AuditTrail (a store bundle, cuga.store.sqlite or "
                + "cuga.store.postgres)");
            return;
        }
        Search search = Search.parse(request::getParameter);
        if (param(request, "verify").equals("1")) {
            verification(page, t.verify());
        } else {
            page.raw("<p>").raw("<a id=\"cuga-verify\"").attr("href", Html.query(Map.of("verify", "1")))
                .raw(">Verify the hash chain</a> ").el("span", "cuga-dim", "(reads the whole trail)").raw("</p>");
        }
        form(page, search.fields());
        for (String p : search.problems()) {
            page.message("error", p);
        }
        AuditPage result = t.query(search.query());
        records(page, result.records());
        Map<String, String> next = new LinkedHashMap<>(search.fields());
        page.raw("<p class=\"cuga-pager\">");
        if (search.query().beforeSeq() > 0) {
            page.link(Html.query(search.fields()), "« Newest");
            page.raw(" ");
        }
        if (result.next() > 0) {
            next.put("before", String.valueOf(result.next()));
            page.raw("<a id=\"cuga-older\"").attr("href", Html.query(next)).raw(">Older »</a>");
        } else {
            page.el("span", "cuga-dim", "end of the trail");
        }
        page.raw("</p>");
    }

    static void verification(Html page, ChainVerification v) {
        if (v.intact()) {
            page.raw("<div class=\"cuga-msg cuga-msg-ok\" id=\"cuga-chain\">").text("Hash chain intact: "
                + v.records() + " records verified.").raw("</div>");
        } else {
            page.raw("<div class=\"cuga-msg cuga-msg-error\" id=\"cuga-chain\">").text("Hash chain BROKEN at record "
                + v.firstBrokenSeq() + " of " + v.records() + ": " + v.problem()).raw("</div>");
        }
    }

    private static void form(Html page, Map<String, String> f) {
        page.raw("<form method=\"get\" class=\"cuga-filters\" id=\"cuga-audit-search\">");
        page.raw("<label>Tool <input type=\"text\" name=\"tool\" size=\"14\"").attr("value", f.get("tool"))
            .raw("></label> ");
        page.raw("<label>Decision <select name=\"decision\">").option("", "any", f.get("decision"));
        for (String d : DECISIONS) {
            page.option(d, d.toLowerCase(Locale.ROOT).replace('_', ' '), f.get("decision"));
        }
        page.raw("</select></label> <label>Kind <select name=\"kind\">").option("", "any", f.get("kind"));
        for (String k : KINDS) {
            page.option(k, k, f.get("kind"));
        }
        page.raw("</select></label> ");
        page.raw("<label>Trace <input type=\"text\" name=\"trace\" size=\"34\" placeholder=\"32 hex digits\"")
            .attr("value", f.get("trace")).raw("></label> ");
        page.raw("<label>Call <input type=\"text\" name=\"call\" size=\"14\"").attr("value", f.get("call"))
            .raw("></label> ");
        page.raw("<label>Profile <input type=\"text\" name=\"profile\" size=\"10\"").attr("value", f.get("profile"))
            .raw("></label> ");
        page.raw("<label>Since (UTC) <input type=\"text\" name=\"since\" size=\"20\""
            + " placeholder=\"2026-11-27T10:00\"").attr("value", f.get("since")).raw("></label> ");
        page.raw("<label>Per page <select name=\"limit\">");
        for (String l : List.of("25", "50", "100", "250")) {
            page.option(l, l, f.get("limit"));
        }
        if (!List.of("25", "50", "100", "250").contains(f.get("limit"))) {
            page.option(f.get("limit"), f.get("limit"), f.get("limit"));
        }
        page.raw("</select></label> <button type=\"submit\">Search</button> ").link("?", "Clear").raw("</form>");
    }

    static void records(Html page, List<AuditRecord> records) {
        page.raw("<table class=\"cuga-table\" id=\"cuga-audit\"><thead><tr><th>#</th><th>Time</th><th>Kind</th>"
            + "<th>Tool</th><th>Caller</th><th>Profile / session</th><th>Decision</th><th>Outcome</th>"
            + "<th>Reason and details</th><th>Duration</th><th>Trace</th></tr></thead><tbody>");
        if (records.isEmpty()) {
            page.raw("<tr><td colspan=\"11\" class=\"cuga-empty\">").text("No record matches.").raw("</td></tr>");
        }
        for (AuditRecord r : records) {
            page.raw("<tr").attr("data-seq", r.seq()).raw(">").td(r.seq()).td(Html.time(r.time())).td(r.kind());
            page.raw("<td>");
            if (!r.tool().isEmpty()) {
                page.link("?tool=" + Html.url(r.tool()), r.tool());
            }
            page.raw("</td>").td(r.caller())
                .td(r.profile() + (r.session().isEmpty() ? "" : " / " + r.session()));
            page.raw("<td>");
            if (!r.decision().isEmpty()) {
                page.el("span", "cuga-badge cuga-decision-" + r.decision().toLowerCase(Locale.ROOT), r.decision());
            }
            page.raw("</td>").td(r.outcome() + (r.errorType().isEmpty() ? "" : " (" + r.errorType() + ")"));
            page.raw("<td>").text(r.reason());
            if (!r.data().isEmpty()) {
                page.raw("<details><summary>details</summary>");
                Values.render(page, r.data());
                page.raw("</details>");
            }
            page.raw("</td>").td(r.durationMicros() > 0 ? String.format(Locale.ROOT, "%.1f ms",
                r.durationMicros() / 1000.0) : "");
            page.raw("<td class=\"cuga-mono\">");
            if (!r.traceId().isEmpty()) {
                page.raw("<a").attr("href", "?trace=" + Html.url(r.traceId())).attr("title", r.traceId()).raw(">")
                    .text(r.traceId().substring(0, Math.min(8, r.traceId().length())) + "…").raw("</a>");
            }
            page.raw("</td></tr>");
        }
        page.raw("</tbody></table>");
    }
}
