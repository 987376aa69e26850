package io.cuga.webconsole.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.dispatch.Approvals;
import io.cuga.api.dispatch.Approvals.ApprovalException;
import io.cuga.api.store.Approval;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Approvals: the calls waiting for a person (arguments as the orchestrator redacted them), each with a reason
 * field and approve and reject buttons, and the decided ones by status. A decision is made as
 * {@code console:<user>}; the orchestrator records it in the audit trail and releases the waiting call. The
 * requester of a call never decides it: the orchestrator refuses that, and the console refuses it before asking
 * when the console user has the requester's name.
 */
@Component(service = Servlet.class, property = {
    "felix.webconsole.label=" + ApprovalsPlugin.LABEL,
    "felix.webconsole.title=Approvals",
    "felix.webconsole.category=" + ConsolePlugin.CATEGORY})
public final class ApprovalsPlugin extends ConsolePlugin {

    private static final long serialVersionUID = 1L;
    static final String LABEL = "cuga-approvals";
    private static final Logger LOG = LoggerFactory.getLogger(ApprovalsPlugin.class);
    static final int MAX_REASON = 2000;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Approvals approvals;

    @Override
    String label() {
        return LABEL;
    }

    @Override
    void render(HttpServletRequest request, Html page, List<Flash> flashes) {
        Approvals a = approvals;
        if (a == null) {
            missing(page, "Approvals", "io.cuga.api.dispatch.Approvals (bundle cuga.orchestrator)");
            return;
        }
        String status = param(request, "status").toLowerCase(Locale.ROOT);
        Approval.Status wanted = switch (status) {
            case "", "pending" -> Approval.Status.PENDING;
            case "approved" -> Approval.Status.APPROVED;
            case "rejected" -> Approval.Status.REJECTED;
            case "expired" -> Approval.Status.EXPIRED;
            default -> null;
        };
        String current = wanted == null ? "all" : wanted.name().toLowerCase(Locale.ROOT);
        page.raw("<h2>Approvals</h2><form method=\"get\" class=\"cuga-filters\"><label>Status <select name=\"status\""
            + " onchange=\"this.form.submit()\">");
        for (String s : new String[] {"pending", "approved", "rejected", "expired", "all"}) {
            page.option(s, s, current);
        }
        page.raw("</select></label> <button type=\"submit\">Show</button> ")
            .link("?status=" + current, "Refresh").raw("</form>");
        List<Approval> list = a.list(wanted, 200);
        render(request, page, list, Instant.now());
    }

    private void render(HttpServletRequest request, Html page, List<Approval> list, Instant now) {
        page.raw("<table class=\"cuga-table\" id=\"cuga-approvals\"><thead><tr><th>Requested</th><th>Tool</th>"
            + "<th>Risk</th><th>Arguments (redacted)</th><th>Requested by</th><th>Why approval</th><th>Status</th>"
            + "<th>Decision</th></tr></thead><tbody>");
        if (list.isEmpty()) {
            page.raw("<tr><td colspan=\"8\" class=\"cuga-empty\">").text("Nothing to show.").raw("</td></tr>");
        }
        for (Approval ap : list) {
            page.raw("<tr").attr("data-approval", ap.id()).raw(">");
            page.raw("<td>").text(Html.time(ap.createdAt())).raw("<br><span class=\"cuga-dim cuga-mono\">")
                .text(ap.id()).raw("</span></td>");
            page.raw("<td class=\"cuga-name\">").text(ap.tool()).raw("</td>").td(ap.risk());
            page.raw("<td>");
            Values.render(page, ap.arguments());
            page.raw("</td>");
            page.raw("<td>").text(ap.requester()).raw("<br><span class=\"cuga-dim\">")
                .text("profile " + ap.profile() + (ap.session().isEmpty() ? "" : ", session " + ap.session()))
                .raw("</span></td>");
            page.td(ap.requiredBecause());
            page.raw("<td>").el("span", "cuga-badge cuga-status-" + ap.status().name().toLowerCase(Locale.ROOT),
                ap.status().name().toLowerCase(Locale.ROOT));
            if (ap.status() == Approval.Status.PENDING) {
                Duration left = Duration.between(now, ap.expiresAt());
                page.raw("<br><span class=\"cuga-dim\">").text(left.isNegative() ? "expiring"
                    : "expires in " + human(left)).raw("</span>");
            }
            page.raw("</td><td>");
            if (ap.status() == Approval.Status.PENDING) {
                openForm(request, page, "cuga-decide");
                page.hidden("id", ap.id())
                    .raw("<input type=\"text\" name=\"reason\" required maxlength=\"" + MAX_REASON + "\""
                        + " placeholder=\"reason (required)\" class=\"cuga-reason\">")
                    .raw("<button type=\"submit\" name=\"decision\" value=\"approve\" class=\"cuga-approve\">"
                        + "Approve</button><button type=\"submit\" name=\"decision\" value=\"reject\""
                        + " class=\"cuga-reject\">Reject</button></form>");
            } else {
                page.text(ap.decidedBy().isEmpty() ? "" : ap.decidedBy() + " at " + Html.time(ap.decidedAt()));
                if (!ap.decisionReason().isEmpty()) {
                    page.raw("<br>").el("q", null, ap.decisionReason());
                }
                if (!ap.outcome().isEmpty()) {
                    Object s = ap.outcome().get("status");
                    page.raw("<br>").el("span", "cuga-dim", "call outcome: " + (s == null ? "?" : s));
                }
            }
            page.raw("</td></tr>");
        }
        page.raw("</tbody></table>");
    }

    @Override
    Result act(HttpServletRequest request, String user) {
        Approvals a = approvals;
        if (a == null) {
            return Result.of("error", "Approvals are not available: nothing was decided.");
        }
        String id = param(request, "id");
        String decision = param(request, "decision");
        String reason = param(request, "reason");
        if (id.isEmpty()) {
            return Result.of("error", "No approval was named.");
        }
        if (!decision.equals("approve") && !decision.equals("reject")) {
            return Result.of("error", "Choose approve or reject.");
        }
        if (reason.isEmpty()) {
            return Result.of("error", "A reason is required to " + decision + " approval " + id + ".");
        }
        if (reason.length() > MAX_REASON) {
            return Result.of("error", "The reason is longer than " + MAX_REASON + " characters.");
        }
        String approver = actor(user);
        Approval before = a.get(id).orElse(null);
        if (before != null && (before.requester().equals(user) || before.requester().equals(approver))) {
            return Result.of("error", "You requested this call, so you cannot " + decision
                + " it; another approver must.");
        }
        try {
            Approval after = a.decide(id, decision.equals("approve"), approver, reason);
            LOG.info("approval {} ({}) {} from the console by {}", id, after.tool(), after.status(), approver);
            return Result.of("ok", "Approval " + id + " for " + after.tool() + " is "
                + after.status().name().toLowerCase(Locale.ROOT) + ".");
        } catch (ApprovalException e) {
            return Result.of("error", "Approval " + id + " was not decided: " + e.getMessage());
        }
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return (s / 60) + " min";
        }
        return (s / 3600) + " h";
    }
}
