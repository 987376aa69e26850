package io.cuga.webconsole.internal;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.felix.webconsole.servlet.AbstractServlet;
import org.apache.felix.webconsole.servlet.ServletConstants;
import org.apache.felix.webconsole.servlet.User;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.store.StoreUnavailableException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * What every cuga console page shares: the page frame inside the Web Console (its stylesheet, the messages
 * left by the last action), the console user, and the handling of forms that change state (POST only, checked
 * against cross-site request forgery, answered with a redirect so a reload never repeats an action). A page
 * that throws shows a short message, never a stack trace; the exception goes to the log once.
 */
abstract class ConsolePlugin extends AbstractServlet {

    private static final long serialVersionUID = 1L;

    /** The Web Console category of every cuga page. */
    static final String CATEGORY = "cuga";

    private static final Logger LOG = LoggerFactory.getLogger(ConsolePlugin.class);
    private static final String FLASH = "io.cuga.webconsole.flash.";

    /** A message shown once on the next rendering of a page, with values a form should show again. */
    record Flash(String kind, String text, Map<String, String> keep) implements Serializable {
        private static final long serialVersionUID = 1L;

        Flash(String kind, String text) {
            this(kind, text, Map.of());
        }
    }

    /** What a form's action did: messages to show and where to go back to (a query string, or empty). */
    record Result(List<Flash> messages, String query) {
        static Result of(String kind, String text) {
            return new Result(List.of(new Flash(kind, text)), "");
        }

        Result back(String q) {
            return new Result(messages, q);
        }
    }

    /** @return the Web Console label, the last segment of the page's path */
    abstract String label();

    /**
     * Renders the page's content.
     *
     * @param request the request (query parameters are the page's filters)
     * @param page where to write
     * @param flashes the messages of the last action on this page, already written above the content
     */
    abstract void render(HttpServletRequest request, Html page, List<Flash> flashes) throws IOException;

    /**
     * Carries out a form's action; called only for a POST that passed the forgery checks.
     *
     * @param request the request with the form's fields
     * @param user the console user
     * @return what to show afterwards
     */
    Result act(HttpServletRequest request, String user) throws IOException {
        return Result.of("error", "this page has no actions");
    }

    @Override
    public final void renderContent(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Html page = new Html();
        page.raw("<link rel=\"stylesheet\"").attr("href", appRoot(request) + "/" + label() + "/res/cuga.css")
            .raw("><div class=\"cuga\">");
        List<Flash> flashes = takeFlashes(request);
        for (Flash f : flashes) {
            page.message(f.kind(), f.text());
        }
        Html body = new Html();
        try {
            render(request, body, flashes);
            page.raw(body.toString());
        } catch (StoreUnavailableException e) {
            page.message("error", "The store cannot be reached, so this page cannot be shown: " + e.getMessage());
        } catch (RuntimeException e) {
            String ref = UUID.randomUUID().toString().substring(0, 8);
            LOG.error("console page {} failed (reference {})", label(), ref, e);
            page.message("error", "This page could not be rendered (reference " + ref
                + "; the server log has the details).");
        }
        page.raw("</div>");
        response.getWriter().write(page.toString());
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        setNoCache(response);
        String problem = Csrf.problem(request);
        if (problem != null) {
            LOG.warn("console action on {} refused for {}: {}", label(), user(request), problem);
            response.setStatus(HttpServletResponse.SC_FORBIDDEN);
            response.setContentType("text/html;charset=utf-8");
            Html h = new Html().raw("<!DOCTYPE html><html><head><title>Refused</title></head><body><h1>")
                .text("Action refused").raw("</h1><p>").text(problem).raw("</p><p>")
                .link(pluginRoot(request), "Back to the page").raw("</p></body></html>");
            response.getOutputStream().write(h.toString().getBytes(StandardCharsets.UTF_8));
            return;
        }
        Result result;
        String user = user(request);
        try {
            result = act(request, user);
        } catch (StoreUnavailableException e) {
            result = Result.of("error", "The store cannot be reached, nothing was changed: " + e.getMessage());
        } catch (RuntimeException e) {
            String ref = UUID.randomUUID().toString().substring(0, 8);
            LOG.error("console action on {} by {} failed (reference {})", label(), user, ref, e);
            result = Result.of("error", "The action failed (reference " + ref + "; the server log has the details).");
        }
        HttpSession session = request.getSession(true);
        session.setAttribute(FLASH + label(), new ArrayList<>(result.messages()));
        response.sendRedirect(pluginRoot(request) + result.query());
    }

    /** Only GET and POST: every other method is 405, as the Web Console would not render it. */
    @Override
    protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
    }

    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
    }

    @SuppressWarnings("unchecked")
    private List<Flash> takeFlashes(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session == null) {
            return List.of();
        }
        Object f = session.getAttribute(FLASH + label());
        if (f == null) {
            return List.of();
        }
        session.removeAttribute(FLASH + label());
        return (List<Flash>) f;
    }

    /** Opens a form that changes state: POST to this page, with the session's forgery token. */
    final void openForm(HttpServletRequest request, Html page, String css) {
        page.raw("<form method=\"post\"").attr("action", pluginRoot(request));
        if (css != null) {
            page.attr("class", css);
        }
        page.raw(">").hidden(Csrf.FIELD, Csrf.token(request.getSession(true)));
    }

    /** @return the console user's name as the Web Console authenticated it */
    static String user(HttpServletRequest request) {
        Object user = request.getAttribute(User.USER_ATTRIBUTE);
        if (user instanceof User u && u.getUserObject() instanceof String s && !s.isBlank()) {
            return s;
        }
        String remote = request.getRemoteUser();
        return remote == null || remote.isBlank() ? "unknown" : remote;
    }

    /** @return the principal recorded for an action of the console user: {@code console:<user>} */
    static String actor(String user) {
        return "console:" + user;
    }

    final String pluginRoot(HttpServletRequest request) {
        Object root = request.getAttribute(ServletConstants.ATTR_PLUGIN_ROOT);
        return root instanceof String s && !s.isEmpty() ? s : appRoot(request) + "/" + label();
    }

    static String appRoot(HttpServletRequest request) {
        Object root = request.getAttribute(ServletConstants.ATTR_APP_ROOT);
        return root instanceof String s ? s : "/system/console";
    }

    /** @return the trimmed parameter, empty when absent */
    static String param(HttpServletRequest request, String name) {
        String v = request.getParameter(name);
        return v == null ? "" : v.trim();
    }

    /** Writes the message for a service this page needs and does not have. */
    static void missing(Html page, String what, String service) {
        page.message("warn", what + " is not available: no " + service + " service is registered. "
            + "Check that its bundle is installed and active (Bundles and Components pages).");
    }
}
