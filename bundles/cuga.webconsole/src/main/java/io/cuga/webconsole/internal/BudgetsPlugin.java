package io.cuga.webconsole.internal;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.cuga.api.policy.PolicyAdmin;
import io.cuga.api.store.AuditQuery;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.store.StoreUnavailableException;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Budgets: what each profile and session has spent against the ceilings of its policy. The overview lists every
 * profile with an active policy, for calls without a session and for the sessions seen in the most recent audit
 * records; the form looks up any profile and session.
 */
@Component(service = Servlet.class, property = {
    "felix.webconsole.label=" + BudgetsPlugin.LABEL,
    "felix.webconsole.title=Budgets",
    "felix.webconsole.category=" + ConsolePlugin.CATEGORY})
public final class BudgetsPlugin extends ConsolePlugin {

    private static final long serialVersionUID = 1L;
    static final String LABEL = "cuga-budgets";
    /** How many recent audit records are read to find sessions. */
    static final int RECENT = 500;
    /** The most sessions listed per profile in the overview. */
    static final int SESSIONS_PER_PROFILE = 20;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile BudgetSource budgets;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile PolicyAdmin policies;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile AuditTrail audit;

    @Override
    String label() {
        return LABEL;
    }

    @Override
    void render(HttpServletRequest request, Html page, List<Flash> flashes) {
        BudgetSource source = budgets;
        page.raw("<h2>Budgets</h2>");
        if (source == null) {
            missing(page, "The budget view", "io.cuga.guardrail.budget.BudgetView (bundle cuga.guardrail.budget)");
            return;
        }
        String profile = param(request, "profile");
        String session = param(request, "session");
        if (session.equals("-")) {
            session = "";
        }
        PolicyAdmin admin = policies;
        List<String> profiles = new ArrayList<>();
        if (admin != null) {
            admin.profiles().stream().filter(s -> s.active() != null).forEach(s -> profiles.add(s.profile()));
        }

        page.raw("<form method=\"get\" class=\"cuga-filters\"><label>Profile <input type=\"text\" name=\"profile\""
            + " list=\"cuga-budget-profiles\" pattern=\"[A-Za-z0-9._\\-]{1,64}\"").attr("value", profile)
            .raw("></label><datalist id=\"cuga-budget-profiles\">");
        for (String p : profiles) {
            page.raw("<option").attr("value", p).raw(">");
        }
        page.raw("</datalist> <label>Session <input type=\"text\" name=\"session\" placeholder=\"empty: calls "
            + "without a session\"").attr("value", session).raw("></label> <button type=\"submit\">Look up</button>"
                + "</form>");

        Map<String, Set<String>> rows = new LinkedHashMap<>();
        if (!profile.isEmpty()) {
            if (!profile.matches("[A-Za-z0-9._-]{1,64}")) {
                page.message("error", "'" + profile + "' is not a profile name: 1 to 64 of A-Z a-z 0-9 . _ -");
                return;
            }
            rows.put(profile, new LinkedHashSet<>(List.of(session)));
        } else {
            if (admin == null) {
                missing(page, "The list of profiles", "io.cuga.api.policy.PolicyAdmin (bundle cuga.policy)");
            }
            for (String p : profiles) {
                rows.put(p, new LinkedHashSet<>(List.of("")));
            }
            recentSessions(page, rows);
        }
        table(page, source, rows);
    }

    /** Adds the sessions of the most recent audit records to their profiles. */
    private void recentSessions(Html page, Map<String, Set<String>> rows) {
        AuditTrail trail = audit;
        if (trail == null) {
            page.message("info", "No audit trail is available, so only calls without a session are listed; look "
                + "up a session with the form.");
            return;
        }
        try {
            for (AuditRecord r : trail.query(AuditQuery.newest(RECENT)).records()) {
                Set<String> sessions = rows.get(r.profile());
                if (sessions != null && !r.session().isEmpty() && sessions.size() <= SESSIONS_PER_PROFILE) {
                    sessions.add(r.session());
                }
            }
        } catch (StoreUnavailableException e) {
            page.message("warn", "The store cannot be reached, so recent sessions are not listed: " + e.getMessage());
        }
    }

    static void table(Html page, BudgetSource source, Map<String, Set<String>> rows) {
        page.raw("<table class=\"cuga-table\" id=\"cuga-budgets\"><thead><tr><th>Profile</th><th>Session</th>"
            + "<th>Kind</th><th>Scope</th><th>Spent</th><th>Reserved</th><th>Ceiling</th><th>Remaining</th>"
            + "<th>Used</th><th>Over the ceiling</th></tr></thead><tbody>");
        int shown = 0;
        for (Map.Entry<String, Set<String>> e : rows.entrySet()) {
            for (String session : e.getValue()) {
                List<BudgetSource.Row> budgets = source.budgets(e.getKey(), session);
                for (BudgetSource.Row b : budgets) {
                    shown++;
                    double used = b.used();
                    String level = used >= 1.0 ? "cuga-bar-full" : used >= b.warnRatio() ? "cuga-bar-warn"
                        : "cuga-bar-ok";
                    page.raw("<tr>").td(e.getKey()).td(session.isEmpty() ? "(no session)" : session)
                        .td(b.kind()).td(b.scope()).td(plain(b.spent())).td(plain(b.reserved()))
                        .td(plain(b.ceiling())).td(plain(b.remaining()));
                    page.raw("<td><div class=\"cuga-bar\"><div").attr("class", level)
                        .attr("style", "width:" + Math.round(used * 100) + "%").raw("></div></div>")
                        .text(Math.round(used * 100) + " %").raw("</td>");
                    page.td(b.onExceed() + (b.exceedances() > 0 ? ", passed " + b.exceedances() + " times" : ""))
                        .raw("</tr>");
                }
            }
        }
        if (shown == 0) {
            page.raw("<tr><td colspan=\"10\" class=\"cuga-empty\">").text(rows.isEmpty()
                ? "No profile has an active policy." : "No budget limits apply to these profiles and sessions.")
                .raw("</td></tr>");
        }
        page.raw("</tbody></table>");
    }

    /** @return the amount without trailing zeros and never in exponent notation */
    static String plain(BigDecimal amount) {
        BigDecimal stripped = amount.stripTrailingZeros();
        return (stripped.scale() < 0 ? stripped.setScale(0) : stripped).toPlainString();
    }
}
