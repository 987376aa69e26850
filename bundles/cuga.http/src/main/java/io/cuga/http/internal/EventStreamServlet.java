package io.cuga.http.internal;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;

import io.cuga.api.event.Event;
import io.cuga.api.event.EventSink;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /api/v1/events} (admin): every event as server-sent events. While at least one stream is open it
 * is registered as an {@link EventSink} (name {@value #SINK_NAME}) behind the event publisher, so events arrive
 * redacted and on the publisher's thread for this sink; with no stream open it is not registered, and costs the
 * publisher nothing. Each event is serialised once and offered to every connected client's bounded buffer; a client whose
 * buffer is full is dropped at once (it gets a last {@code overflow} event when its connection still takes one)
 * and nobody waits for it. Each stream is written by its request thread, which sends a {@code : ping} comment
 * every {@code heartbeat.seconds} while nothing happens, so a vanished client is noticed.
 */
@Component(service = Servlet.class, configurationPid = EventStreamServlet.PID)
@Designate(ocd = EventStreamServlet.Config.class)
@HttpWhiteboardServletName(EventStreamServlet.NAME)
@HttpWhiteboardServletPattern(EventStreamServlet.PATTERN)
public final class EventStreamServlet extends HttpServlet implements EventSink {

    /** The configuration PID. */
    static final String PID = "cuga.http.events";

    /** The whiteboard servlet name (also the {@code x-cuga-servlet} of its OpenAPI operation). */
    static final String NAME = "cuga.http.events";

    /** The route, an exact whiteboard pattern: it wins over the API servlet's {@code /api/v1/*}. */
    static final String PATTERN = "/api/v1/events";

    /** This sink's name in the drop metrics. */
    static final String SINK_NAME = "sse";

    /** The media type of the stream. */
    static final String EVENT_STREAM = "text/event-stream;charset=utf-8";

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EventStreamServlet.class);
    private static final int MAX_DEPTH = 64;
    private static final byte[] CLOSE = new byte[0];
    private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.UTF_8);

    /** How many streams, how much buffer, how often a heartbeat. */
    @ObjectClassDefinition(name = "cuga event stream",
        description = "GET /api/v1/events (admin): every event as server-sent events.")
    public @interface Config {

        /** @return the most streams open at once */
        @AttributeDefinition(name = "Most streams",
            description = "The most event streams open at once; one more gets 503. Each open stream holds a "
                + "request thread.")
        int max_clients() default 16;

        /** @return the most events waiting for one client */
        @AttributeDefinition(name = "Client buffer (events)",
            description = "The most events waiting to be written to one client; a client that falls further "
                + "behind is disconnected.")
        int client_buffer() default 1000;

        /** @return seconds between heartbeats */
        @AttributeDefinition(name = "Heartbeat (s)",
            description = "A comment line is sent after this many seconds without an event, so proxies keep "
                + "the stream open and a vanished client is noticed.")
        int heartbeat_seconds() default 15;
    }

    /** The effective settings, swapped whole on a change. */
    private record Settings(int maxClients, int clientBuffer, long heartbeatMillis) {
    }

    /** One connected stream. */
    private static final class Client {
        final BlockingQueue<byte[]> queue;
        final String[] types;
        final String principal;
        volatile boolean overflowed;
        volatile boolean closed;

        Client(int buffer, String[] types, String principal) {
            this.queue = new ArrayBlockingQueue<>(buffer);
            this.types = types;
            this.principal = principal;
        }

        boolean wants(String type) {
            if (types == null) {
                return true;
            }
            for (String t : types) {
                if (t.endsWith("*") ? type.startsWith(t.substring(0, t.length() - 1)) : type.equals(t)) {
                    return true;
                }
            }
            return false;
        }
    }

    private final transient TokenAuthenticator authenticator;
    private final transient BundleContext context;
    private final transient List<Client> clients = new CopyOnWriteArrayList<>();
    private transient ServiceRegistration<EventSink> sink;
    private final transient AtomicLong sequence = new AtomicLong();
    private transient volatile Settings settings;

    /**
     * @param authenticator the bearer tokens
     * @param context to register the sink while streams are open (null in tests: then register by hand)
     * @param config the configuration
     */
    @Activate
    public EventStreamServlet(@Reference TokenAuthenticator authenticator, BundleContext context, Config config) {
        this.authenticator = authenticator;
        this.context = context;
        modified(config);
    }

    /** @param config the new configuration (buffer size: for streams opened later) */
    @Modified
    void modified(Config config) {
        settings = new Settings(Math.max(1, config.max_clients()), Math.max(1, config.client_buffer()),
            TimeUnit.SECONDS.toMillis(Math.max(1, config.heartbeat_seconds())));
    }

    /** Ends every open stream. */
    @Deactivate
    void deactivate() {
        synchronized (clients) {
            for (Client client : clients) {
                close(client);
            }
            clients.clear();
            updateSink();
        }
    }

    /** Registers the sink when the first stream opens and unregisters it when the last one ends. */
    private void updateSink() {
        if (context == null) {
            return;
        }
        if (!clients.isEmpty() && sink == null) {
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put(EventSink.NAME, SINK_NAME);
            sink = context.registerService(EventSink.class, this, properties);
        } else if (clients.isEmpty() && sink != null) {
            try {
                sink.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping and the framework unregistered it already
            }
            sink = null;
        }
    }

    private void remove(Client client) {
        synchronized (clients) {
            if (clients.remove(client)) {
                updateSink();
            }
        }
    }

    /** @return the number of open streams */
    int clients() {
        return clients.size();
    }

    @Override
    public void accept(Event event) {
        if (clients.isEmpty()) {
            return;
        }
        byte[] frame = null;
        for (Client client : clients) {
            if (!client.wants(event.type())) {
                continue;
            }
            if (frame == null) {
                frame = frame(sequence.incrementAndGet(), event);
            }
            if (!client.queue.offer(frame)) {
                // too slow: dropped now, never waited for (the sink stays registered until its stream ends)
                client.overflowed = true;
                clients.remove(client);
                LOG.info("Event stream of {} dropped: it fell more than {} events behind", client.principal,
                    client.queue.size());
            }
        }
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        TraceContext trace = TraceContext.fromHeader(request.getHeader(TraceContext.HEADER));
        Responses.common(response, trace);
        Client client;
        try {
            if (!"GET".equals(request.getMethod())) {
                throw new ApiException(405, "method_not_allowed", "this route accepts GET",
                    Map.of("allowed", List.of("GET")), Map.of("Allow", "GET"));
            }
            Identity identity = authorize(request);
            String[] types = types(request.getParameter("types"));
            Settings current = settings;
            client = new Client(current.clientBuffer(), types, identity.principal());
            synchronized (clients) {
                if (clients.size() >= current.maxClients()) {
                    throw new ApiException(503, "too_many_streams", "as many event streams are open as the server "
                        + "allows (" + current.maxClients() + "); try again later",
                        Map.of("maxClients", current.maxClients()));
                }
                clients.add(client);
                updateSink();
            }
        } catch (ApiException e) {
            Responses.error(request, response, e);
            return;
        }
        try {
            stream(response, client);
        } finally {
            remove(client);
            synchronized (clients) {
                updateSink(); // also after an overflow, which removed the client already
            }
        }
    }

    private void stream(HttpServletResponse response, Client client) throws IOException {
        response.setStatus(200);
        response.setContentType(EVENT_STREAM);
        response.setHeader("X-Accel-Buffering", "no");
        OutputStream out = response.getOutputStream();
        long heartbeat = settings.heartbeatMillis();
        List<byte[]> batch = new ArrayList<>();
        try {
            out.write(": connected\nretry: 3000\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (!client.closed) {
                byte[] frame = client.queue.poll(heartbeat, TimeUnit.MILLISECONDS);
                if (frame == null) {
                    if (client.overflowed) {
                        break;
                    }
                    out.write(PING);
                    out.flush();
                    continue;
                }
                batch.clear();
                batch.add(frame);
                client.queue.drainTo(batch, 256);
                for (byte[] f : batch) {
                    if (f == CLOSE) {
                        client.closed = true;
                        break;
                    }
                    out.write(f);
                }
                if (client.overflowed && client.queue.isEmpty()) {
                    out.write(("event: overflow\ndata: {\"message\":\"this client fell behind by more than its "
                        + "buffer and was disconnected; reconnect to go on\"}\n\n").getBytes(StandardCharsets.UTF_8));
                    client.closed = true;
                }
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (EOFException e) {
            LOG.debug("Event stream of {} ended by the client", client.principal);
        } catch (IOException e) {
            // the client went away: its stream ends here
            LOG.debug("Event stream of {} ended: {}", client.principal, e.toString());
        }
    }

    private static void close(Client client) {
        client.closed = true;
        if (!client.queue.offer(CLOSE)) {
            client.overflowed = true; // full: the writer sees the flag once it has written what is there
        }
    }

    private Identity authorize(HttpServletRequest request) {
        return Auth.identity(authenticator, request, Role.ADMIN);
    }

    /**
     * @param parameter the {@code types} query parameter, or null
     * @return the wanted types (a trailing {@code *} matches a prefix), or null for all
     */
    static String[] types(String parameter) {
        if (parameter == null || parameter.isEmpty()) {
            return null;
        }
        String[] types = parameter.split(",", -1);
        if (types.length > 64) {
            throw new ApiException(400, "invalid_request", "types: at most 64 entries", Map.of("field", "types"));
        }
        for (String type : types) {
            boolean ok = !type.isEmpty() && type.length() <= 128;
            for (int i = 0; ok && i < type.length(); i++) {
                char c = type.charAt(i);
                ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                    || c == '-' || c == '*' && i == type.length() - 1;
            }
            if (!ok) {
                throw new ApiException(400, "invalid_request", "types must be a comma-separated list of event "
                    + "types of A-Z a-z 0-9 . _ -, each optionally ending in *", Map.of("field", "types"));
            }
        }
        return "*".equals(types[0]) && types.length == 1 ? null : types;
    }

    /**
     * @param id the event's sequence number in this server's streams
     * @param event the event
     * @return {@code id:}, {@code event:} and one {@code data:} line with the event as JSON, and a blank line
     */
    static byte[] frame(long id, Event event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        byte[] head = ("id: " + id + "\nevent: " + oneLine(event.type()) + "\ndata: ")
            .getBytes(StandardCharsets.UTF_8);
        out.write(head, 0, head.length);
        try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeStringField("type", event.type());
            json.writeStringField("time", DateTimeFormatter.ISO_INSTANT.format(event.time()));
            json.writeStringField("traceId", event.traceId());
            json.writeStringField("profile", event.profile());
            json.writeStringField("session", event.session());
            json.writeStringField("status", event.status());
            json.writeNumberField("durationNanos", event.durationNanos());
            json.writeFieldName("attributes");
            value(json, event.attributes(), 0);
            json.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise an event of type " + event.type(), e);
        }
        out.write('\n');
        out.write('\n');
        return out.toByteArray();
    }

    private static String oneLine(String s) {
        return s.indexOf('\n') < 0 && s.indexOf('\r') < 0 ? s : s.replace('\n', ' ').replace('\r', ' ');
    }

    /** JSON-like values as JSON, anything else as its {@code toString()}: no getter of an unknown object runs. */
    private static void value(JsonGenerator json, Object value, int depth) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof String s) {
            json.writeString(s);
        } else if (value instanceof Boolean b) {
            json.writeBoolean(b);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
            || value instanceof Byte) {
            json.writeNumber(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isFinite(d)) {
                json.writeNumber(d);
            } else {
                json.writeString(Double.toString(d));
            }
        } else if (value instanceof BigDecimal d) {
            json.writeNumber(d);
        } else if (value instanceof BigInteger i) {
            json.writeNumber(i);
        } else if (depth >= MAX_DEPTH) {
            json.writeString(value.getClass().getSimpleName() + " nested too deep");
        } else if (value instanceof Map<?, ?> map) {
            json.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                json.writeFieldName(String.valueOf(entry.getKey()));
                value(json, entry.getValue(), depth + 1);
            }
            json.writeEndObject();
        } else if (value instanceof Collection<?> list) {
            json.writeStartArray();
            for (Object item : list) {
                value(json, item, depth + 1);
            }
            json.writeEndArray();
        } else if (value instanceof Object[] array) {
            value(json, Arrays.asList(array), depth);
        } else {
            json.writeString(String.valueOf(value));
        }
    }
}
