package io.cuga.webconsole.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * Events: the server's events as they happen. While somebody looks at the page, the plugin is an
 * {@link EventSink} (named {@code webconsole}) that keeps the most recent events in a bounded buffer; the page's
 * script asks {@code <page>/feed?after=<number>} every second for what came since. When nobody has asked for
 * {@code idle.seconds} the sink is unregistered, so the console costs nothing while it is not watched. Events
 * arrive redacted by the event publisher.
 */
@Component(service = Servlet.class, property = {
    "felix.webconsole.label=" + EventsPlugin.LABEL,
    "felix.webconsole.title=Events",
    "felix.webconsole.category=" + ConsolePlugin.CATEGORY})
@Designate(ocd = EventsPlugin.Config.class)
public final class EventsPlugin extends ConsolePlugin {

    private static final long serialVersionUID = 1L;
    static final String LABEL = "cuga-events";
    static final String SINK_NAME = "webconsole";
    private static final Logger LOG = LoggerFactory.getLogger(EventsPlugin.class);
    /** {@code $} is escaped too: nothing in the feed should look like a Web Console variable. */
    private static final ObjectMapper JSON = JsonMapper.builder()
        .enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    /** Configuration of the Events page. */
    @ObjectClassDefinition(name = "cuga Web Console: Events", description = "The live events page")
    public @interface Config {
        /** @return the most events kept for the page */
        @AttributeDefinition(description = "The most recent events kept for the page (older ones make room)")
        int buffer_size() default 500;

        /** @return seconds without a reader after which the sink is removed */
        @AttributeDefinition(description = "Seconds without anybody watching the page after which the plugin "
            + "stops receiving events")
        int idle_seconds() default 60;
    }

    private final transient BundleContext context;
    private final transient EventBuffer buffer;
    private final int capacity;
    private final long idleMillis;
    private final transient ScheduledExecutorService timer;
    private transient ServiceRegistration<EventSink> sink;
    private volatile long lastRead;
    private volatile Instant watchingSince;

    /**
     * @param context this bundle's context, to register the sink
     * @param config the configuration
     */
    @Activate
    public EventsPlugin(BundleContext context, Config config) {
        this.context = context;
        this.capacity = Math.max(10, config.buffer_size());
        this.buffer = new EventBuffer(capacity);
        this.idleMillis = Math.max(5, config.idle_seconds()) * 1000L;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cuga-webconsole-events");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1000, idleMillis / 4);
        timer.scheduleWithFixedDelay(this::unregisterWhenIdle, period, period, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
        unregister();
    }

    @Override
    String label() {
        return LABEL;
    }

    private synchronized void watch() {
        lastRead = System.currentTimeMillis();
        if (sink == null) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(EventSink.NAME, SINK_NAME);
            sink = context.registerService(EventSink.class, buffer::add, props);
            watchingSince = Instant.now();
            LOG.debug("console events page watched: sink {} registered", SINK_NAME);
        }
    }

    private synchronized void unregisterWhenIdle() {
        if (sink != null && System.currentTimeMillis() - lastRead > idleMillis) {
            unregister();
            LOG.debug("console events page not watched for {} ms: sink {} removed", idleMillis, SINK_NAME);
        }
    }

    private synchronized void unregister() {
        if (sink != null) {
            try {
                sink.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
            sink = null;
            watchingSince = null;
        }
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
        watch();
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
        EventBuffer.Slice slice = buffer.after(after, 200);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("last", slice.last());
        body.put("missed", slice.missed());
        List<Map<String, Object>> events = new ArrayList<>(slice.entries().size());
        for (EventBuffer.Entry e : slice.entries()) {
            events.add(json(e));
        }
        body.put("events", events);
        response.setStatus(200);
        response.setContentType("application/json;charset=utf-8");
        byte[] bytes = JSON.writer().without(JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValueAsBytes(body);
        bytes = new String(bytes, java.nio.charset.StandardCharsets.UTF_8).replace("$", "\\u0024")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
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
        watch();
        EventBuffer.Slice slice = buffer.after(0, 100);
        page.raw("<h2>Events</h2><p class=\"cuga-dim\">").text("Live: new events appear at the top within a "
            + "second. Receiving since " + Html.time(watchingSince) + " (while this page is open); the most recent "
            + capacity + " are kept.").raw("</p>");
        page.raw("<div class=\"cuga-filters\"><label>Type <input type=\"search\" id=\"cuga-event-filter\""
            + " placeholder=\"tool.call.* or policy.reloaded\"></label> <button type=\"button\""
            + " id=\"cuga-event-pause\">Pause</button> <span id=\"cuga-event-state\" class=\"cuga-dim\"></span></div>");
        page.raw("<table class=\"cuga-table\" id=\"cuga-events\"").attr("data-feed", pluginRoot(request) + "/feed")
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
        page.raw("<script").attr("src", appRoot(request) + "/" + LABEL + "/res/events.js").raw("></script>");
    }
}
