package io.cuga.webconsole.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.cuga.api.event.Event;
import io.cuga.api.event.EventSink;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Events: the server's events as they happen. While the plugin is active it is an {@link EventSink} (named
 * {@code webconsole}) that keeps the most recent {@code buffer.size} events in a bounded ring (a synchronized
 * array write per event), so the page opens with recent history instead of starting empty; the page's script
 * asks {@code <page>/feed?after=<number>} every second for what came since. Events arrive redacted by the event
 * publisher.
 */
@Component(service = {Servlet.class, EventSink.class}, property = {
    "felix.webconsole.label=" + EventsPlugin.LABEL,
    "felix.webconsole.title=Events",
    "felix.webconsole.category=" + ConsolePlugin.CATEGORY,
    EventSink.NAME + "=" + EventsPlugin.SINK_NAME})
@Designate(ocd = EventsPlugin.Config.class)
public final class EventsPlugin extends ConsolePlugin implements EventSink {

    private static final long serialVersionUID = 1L;
    static final String LABEL = "cuga-events";
    static final String SINK_NAME = "webconsole";
    /** The most events one feed answer or the page's first rendering carries. */
    static final int MAX_SLICE = 200;
    /** {@code $} is escaped too: nothing in the feed should look like a Web Console variable. */
    private static final ObjectMapper JSON = JsonMapper.builder()
        .enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    /** Configuration of the Events page. */
    @ObjectClassDefinition(name = "cuga Web Console: Events", description = "The live events page")
    public @interface Config {
        /** @return the most events kept for the page */
        @AttributeDefinition(description = "The most recent events kept for the page while the console runs "
            + "(older ones make room); the page opens with them")
        int buffer_size() default 200;
    }

    private final transient EventBuffer buffer;
    private final int capacity;
    private final Instant since;

    /** @param config the configuration */
    @Activate
    public EventsPlugin(Config config) {
        this.capacity = Math.max(10, config.buffer_size());
        this.buffer = new EventBuffer(capacity);
        this.since = Instant.now();
    }

    @Override
    String label() {
        return LABEL;
    }

    /** Keeps the event in the ring (it arrives redacted); the oldest makes room. */
    @Override
    public void accept(Event event) {
        buffer.add(event);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
        throws IOException, jakarta.servlet.ServletException {
        String path = request.getPathInfo();
        if (path != null && path.endsWith("/" + LABEL + "/feed")) {
            feed(request, response);
            return;
        }
        super.doGet(request, response);
    }

    private void feed(HttpServletRequest request, HttpServletResponse response) throws IOException {
        long after;
        try {
            after = Long.parseLong(param(request, "after").isEmpty() ? "0" : param(request, "after"));
        } catch (NumberFormatException e) {
            after = -1;
        }
        setNoCache(response);
        if (after < 0) {
            response.setStatus(400);
            response.setContentType("application/json;charset=utf-8");
            try (OutputStream out = response.getOutputStream()) {
                JSON.writeValue(out, Map.of("error", Map.of("code", "invalid_parameter",
                    "message", "after must be a non-negative event number")));
            }
            return;
        }
        Map<String, Object> body = feed(after);
        response.setStatus(200);
        response.setContentType("application/json;charset=utf-8");
        byte[] bytes = JSON.writer().without(JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValueAsBytes(body);
        bytes = new String(bytes, java.nio.charset.StandardCharsets.UTF_8).replace("$", "\\u0024")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** @return the feed's answer: the events after that number (at most {@value #MAX_SLICE}), oldest first */
    Map<String, Object> feed(long after) {
        EventBuffer.Slice slice = buffer.after(after, MAX_SLICE);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("last", slice.last());
        body.put("missed", slice.missed());
        List<Map<String, Object>> events = new ArrayList<>(slice.entries().size());
        for (EventBuffer.Entry e : slice.entries()) {
            events.add(json(e));
        }
        body.put("events", events);
        return body;
    }

    static Map<String, Object> json(EventBuffer.Entry entry) {
        Event e = entry.event();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", entry.seq());
        m.put("type", e.type());
        m.put("time", Html.time(e.time()));
        m.put("profile", e.profile());
        m.put("session", e.session());
        m.put("status", e.status());
        m.put("durationMs", e.durationNanos() / 1_000_000.0);
        m.put("traceId", e.traceId());
        m.put("attributes", e.attributes());
        return m;
    }

    @Override
    void render(HttpServletRequest request, Html page, List<Flash> flashes) {
        page.raw("<h2>Events</h2><p class=\"cuga-dim\">").text("Live: new events appear at the top within a "
            + "second. Receiving since " + Html.time(since) + "; the most recent " + capacity
            + " are kept, so the page opens with them.").raw("</p>");
        page.raw("<div class=\"cuga-filters\"><label>Type <input type=\"search\" id=\"cuga-event-filter\""
            + " placeholder=\"tool.call.* or policy.reloaded\"></label> <button type=\"button\""
            + " id=\"cuga-event-pause\">Pause</button> <span id=\"cuga-event-state\" class=\"cuga-dim\"></span></div>");
        table(page, pluginRoot(request) + "/feed");
        page.raw("<script").attr("src", appRoot(request) + "/" + LABEL + "/res/events.js").raw("></script>");
    }

    /** Renders the table of the most recent events, newest first, that the script then keeps up to date. */
    void table(Html page, String feed) {
        EventBuffer.Slice slice = buffer.after(0, MAX_SLICE);
        page.raw("<table class=\"cuga-table\" id=\"cuga-events\"").attr("data-feed", feed)
            .attr("data-last", slice.last()).raw("><thead><tr><th>#</th><th>Time</th><th>Type</th><th>Status</th>"
                + "<th>Profile / session</th><th>Duration</th><th>Attributes</th><th>Trace</th></tr></thead><tbody>");
        List<EventBuffer.Entry> entries = slice.entries();
        for (int i = entries.size() - 1; i >= 0; i--) {
            EventBuffer.Entry entry = entries.get(i);
            Event e = entry.event();
            page.raw("<tr").attr("data-type", e.type()).raw(">").td(entry.seq()).td(Html.time(e.time()))
                .td(e.type()).td(e.status())
                .td(e.profile() + (e.session().isEmpty() ? "" : " / " + e.session()))
                .td(e.durationNanos() > 0 ? String.format(java.util.Locale.ROOT, "%.1f ms",
                    e.durationNanos() / 1_000_000.0) : "")
                .raw("<td>");
            Values.render(page, e.attributes());
            page.raw("</td>").td(e.traceId().isEmpty() ? "" : e.traceId().substring(0, Math.min(8,
                e.traceId().length())) + "…").raw("</tr>");
        }
        page.raw("</tbody></table>");
    }
}
