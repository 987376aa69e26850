package io.cuga.webconsole.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyAdmin;
import io.cuga.api.policy.PolicyAdmin.ProfileState;
import io.cuga.api.policy.PolicyAdmin.Refusal;
import io.cuga.api.policy.PolicyAdmin.Revision;
import io.cuga.api.policy.PolicyException;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Policies: the active document of each profile with its version and digest, the last refused document with
 * its line and column, one profile's effective document and history with rollback, and a form to upload a
 * document (validated by the policy loader; an invalid one changes nothing and is shown with where it is
 * wrong). Uploads and rollbacks are recorded with {@code console:<user>} as their author.
 */
@Component(service = Servlet.class, property = {
    "felix.webconsole.label=" + PoliciesPlugin.LABEL,
    "felix.webconsole.title=Policies",
    "felix.webconsole.category=" + ConsolePlugin.CATEGORY})
public final class PoliciesPlugin extends ConsolePlugin {

    private static final long serialVersionUID = 1L;
    static final String LABEL = "cuga-policies";
    private static final Logger LOG = LoggerFactory.getLogger(PoliciesPlugin.class);
    /** The largest document the form accepts, as the API's default body limit. */
    static final int MAX_DOCUMENT = 1024 * 1024;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile PolicyAdmin admin;

    @Override
    String label() {
        return LABEL;
    }

    @Override
    void render(HttpServletRequest request, Html page, List<Flash> flashes) {
        PolicyAdmin a = admin;
        if (a == null) {
            missing(page, "Policy administration", "io.cuga.api.policy.PolicyAdmin (bundle cuga.policy)");
            return;
        }
        String selected = param(request, "profile");
        List<ProfileState> states = a.profiles();
        page.raw("<h2>Profiles</h2>");
        profiles(page, states);

        for (ProfileState s : states) {
            if (s.lastRefusal() != null) {
                refusal(page, s.lastRefusal());
            }
        }

        if (!selected.isEmpty()) {
            ProfileState state = a.profile(selected).orElse(null);
            if (state == null) {
                page.message("warn", "The policy loader knows no profile '" + selected + "'.");
            } else {
                detail(request, page, state, a.history(selected));
            }
        }

        String document = "";
        String profile = selected;
        for (Flash f : flashes) {
            document = f.keep().getOrDefault("document", document);
            profile = f.keep().getOrDefault("profile", profile);
        }
        upload(request, page, states, profile, document);
    }

    private static void profiles(Html page, List<ProfileState> states) {
        page.raw("<table class=\"cuga-table\" id=\"cuga-profiles\"><thead><tr><th>Profile</th><th>Version</th>"
            + "<th>Digest</th><th>Activated</th><th>By</th><th>Source</th><th>Guardrails</th><th>Problems</th>"
            + "</tr></thead><tbody>");
        if (states.isEmpty()) {
            page.raw("<tr><td colspan=\"8\" class=\"cuga-empty\">")
                .text("No profile: the policies folder has no valid document yet.").raw("</td></tr>");
        }
        for (ProfileState s : states) {
            Policy p = s.active();
            page.raw("<tr").attr("data-profile", s.profile()).raw("><td>")
                .link("?profile=" + Html.url(s.profile()), s.profile()).raw("</td>");
            if (p == null) {
                page.raw("<td colspan=\"6\" class=\"cuga-dim\">").text("no active policy: calls under this "
                    + "profile are denied").raw("</td>");
            } else {
                page.td("v" + p.version()).raw("<td class=\"cuga-mono\"").attr("title", p.digest()).raw(">")
                    .text(shortDigest(p.digest())).raw("</td>").td(Html.time(p.activatedAt())).td(p.author())
                    .td(p.source()).td(String.join(" → ", p.guardrails()));
            }
            page.raw("<td>");
            if (!s.missingGuardrails().isEmpty()) {
                page.el("span", "cuga-badge cuga-refused", "guardrail missing: "
                    + String.join(", ", s.missingGuardrails()));
            }
            if (s.lastRefusal() != null) {
                page.el("span", "cuga-badge cuga-hidden", "last document refused");
            }
            page.raw("</td></tr>");
        }
        page.raw("</tbody></table>");
    }

    /** The last refused document of a profile, with where it is wrong. */
    static void refusal(Html page, Refusal r) {
        PolicyException e = r.error();
        page.raw("<div class=\"cuga-refusal\"").attr("id", "cuga-refusal-" + r.profile()).raw(">")
            .el("h3", null, "Refused document for profile " + r.profile())
            .raw("<p class=\"cuga-where\">").text(where(e)).raw("</p><p>").text(e.getMessage()).raw("</p>")
            .raw("<p class=\"cuga-dim\">").text("sent by " + r.author() + " from " + r.source() + " at "
                + Html.time(r.at()) + "; digest " + shortDigest(r.digest())
                + ". The previously active policy (if any) keeps serving.").raw("</p></div>");
    }

    /** @return where a policy problem is: {@code line L, column C} (and the key's path), as far as known */
    static String where(PolicyException e) {
        StringBuilder s = new StringBuilder();
        if (e.line() > 0) {
            s.append("line ").append(e.line()).append(", column ").append(e.column());
        } else {
            s.append("position unknown");
        }
        if (e.file() != null) {
            s.append(" of ").append(e.file());
        }
        if (!e.path().isEmpty()) {
            s.append(" (at ").append(e.path()).append(')');
        }
        return s.toString();
    }

    private void detail(HttpServletRequest request, Html page, ProfileState state, List<Revision> history) {
        Policy p = state.active();
        page.raw("<h2>").text("Profile " + state.profile()).raw("</h2>");
        if (p != null) {
            page.raw("<h3>").text("Effective document, version " + p.version()).raw("</h3>");
            page.raw("<div class=\"cuga-doc\">");
            Values.render(page, p.document());
            page.raw("</div>");
        }
        page.raw("<h3>History</h3><table class=\"cuga-table\" id=\"cuga-history\"><thead><tr><th>Version</th>"
            + "<th>Activated</th><th>By</th><th>Source</th><th>Digest</th><th>Note</th><th></th></tr></thead><tbody>");
        if (history.isEmpty()) {
            page.raw("<tr><td colspan=\"7\" class=\"cuga-empty\">").text("No activations recorded.")
                .raw("</td></tr>");
        }
        for (Revision r : history) {
            page.raw("<tr>").td("v" + r.version()).td(Html.time(r.activatedAt())).td(r.author()).td(r.source())
                .raw("<td class=\"cuga-mono\"").attr("title", r.digest()).raw(">").text(shortDigest(r.digest()))
                .raw("</td>").td(r.note()).raw("<td>");
            if (p != null && r.version() == p.version()) {
                page.el("span", "cuga-badge cuga-visible", "active");
            } else {
                openForm(request, page, "cuga-inline");
                page.hidden("action", "rollback").hidden("profile", r.profile()).hidden("version", r.version())
                    .raw("<button type=\"submit\">").text("Roll back to v" + r.version()).raw("</button></form>");
            }
            page.raw("</td></tr>");
        }
        page.raw("</tbody></table>");
    }

    private void upload(HttpServletRequest request, Html page, List<ProfileState> states, String profile,
        String document) {
        page.raw("<h2>Upload a policy document</h2><p class=\"cuga-dim\">").text("The document is validated "
            + "first; only a valid one is written to the policies folder and activated as a new version.")
            .raw("</p>");
        openForm(request, page, "cuga-upload");
        page.hidden("action", "upload");
        page.raw("<label>Profile <input type=\"text\" name=\"profile\" id=\"cuga-policy-profile\" required"
            + " pattern=\"[A-Za-z0-9._\\-]{1,64}\" list=\"cuga-profile-names\"").attr("value", profile)
            .raw("></label><datalist id=\"cuga-profile-names\">");
        for (ProfileState s : states) {
            page.raw("<option").attr("value", s.profile()).raw(">");
        }
        page.raw("</datalist> <label>From a file <input type=\"file\" id=\"cuga-policy-file\""
            + " accept=\".yaml,.yml,text/yaml\"></label>");
        page.raw("<textarea name=\"document\" id=\"cuga-policy-document\" rows=\"16\" spellcheck=\"false\""
            + " placeholder=\"profile: default&#10;guardrails: [allowlist]&#10;...\">").text(document)
            .raw("</textarea><button type=\"submit\" id=\"cuga-policy-submit\">Validate and activate</button></form>");
        page.raw("<script").attr("src", appRoot(request) + "/" + LABEL + "/res/policies.js").raw("></script>");
    }

    @Override
    Result act(HttpServletRequest request, String user) throws IOException {
        PolicyAdmin a = admin;
        if (a == null) {
            return Result.of("error", "Policy administration is not available: nothing was changed.");
        }
        String action = param(request, "action");
        String profile = param(request, "profile");
        if (!profile.matches("[A-Za-z0-9._-]{1,64}")) {
            return Result.of("error", "'" + profile + "' is not a profile name: 1 to 64 of A-Z a-z 0-9 . _ -");
        }
        String back = "?profile=" + Html.url(profile);
        String author = actor(user);
        switch (action) {
            case "upload" -> {
                String document = request.getParameter("document");
                if (document == null || document.isBlank()) {
                    return Result.of("error", "The document is empty: nothing was changed.").back(back);
                }
                byte[] bytes = document.getBytes(StandardCharsets.UTF_8);
                if (bytes.length > MAX_DOCUMENT) {
                    return Result.of("error", "The document is larger than " + MAX_DOCUMENT + " bytes.").back(back);
                }
                try {
                    Policy p = a.put(profile, bytes, author);
                    LOG.info("policy of profile {} activated as v{} from the console by {}", profile, p.version(),
                        author);
                    return Result.of("ok", "Profile " + profile + " now runs version " + p.version() + " ("
                        + shortDigest(p.digest()) + ").").back(back);
                } catch (PolicyException e) {
                    Map<String, String> keep = new LinkedHashMap<>();
                    keep.put("document", document);
                    keep.put("profile", profile);
                    List<Flash> flashes = new ArrayList<>();
                    flashes.add(new Flash("error", "Refused, nothing was changed: " + where(e) + ": "
                        + e.getMessage(), keep));
                    return new Result(flashes, back);
                } catch (IOException e) {
                    LOG.warn("writing the policy of profile {} failed", profile, e);
                    return Result.of("error", "The document is valid but could not be written, so it was not "
                        + "activated: " + e.getMessage()).back(back);
                }
            }
            case "rollback" -> {
                long version;
                try {
                    version = Long.parseLong(param(request, "version"));
                } catch (NumberFormatException e) {
                    return Result.of("error", "Not a version number: " + param(request, "version")).back(back);
                }
                try {
                    Policy p = a.rollback(profile, version, author);
                    LOG.info("policy of profile {} rolled back to v{} (now v{}) from the console by {}", profile,
                        version, p.version(), author);
                    return Result.of("ok", "Profile " + profile + " rolled back to the document of v" + version
                        + "; it runs as version " + p.version() + ".").back(back);
                } catch (NoSuchElementException e) {
                    return Result.of("error", "Profile " + profile + " has no version " + version
                        + " in its history any more.").back(back);
                } catch (PolicyException e) {
                    return Result.of("error", "The document of v" + version + " is no longer valid, nothing was "
                        + "changed: " + where(e) + ": " + e.getMessage()).back(back);
                } catch (IOException e) {
                    LOG.warn("writing the policy of profile {} failed", profile, e);
                    return Result.of("error", "The rollback could not be written, so it was not activated: "
                        + e.getMessage()).back(back);
                }
            }
            default -> {
                return Result.of("error", "Unknown action '" + action + "'.");
            }
        }
    }

    static String shortDigest(String digest) {
        if (digest == null) {
            return "";
        }
        int colon = digest.indexOf(':');
        String hex = colon >= 0 ? digest.substring(colon + 1) : digest;
        return hex.length() > 12 ? hex.substring(0, 12) + "…" : hex;
    }
}
