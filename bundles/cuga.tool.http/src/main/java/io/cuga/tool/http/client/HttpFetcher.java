package io.cuga.tool.http.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.net.EgressDeniedException;
import io.cuga.api.net.EgressGuard;
import io.cuga.api.tool.ToolCall;
import io.cuga.api.tool.ToolException;

/**
 * The HTTP client of both tools. Every connection goes through the {@link EgressGuard}: the target URL before
 * the request and before each redirect ({@code checkTarget}), every address the host resolves to at connect
 * time ({@code checkAddress}, in the client's {@link DnsResolver}), and the client connects only to the
 * addresses that passed: there is no second lookup a DNS answer could change. TLS keeps SNI and host name
 * verification for the host name of the URL.
 *
 * <p>A client is built per call (connections are never shared between calls or profiles), redirects are
 * followed here, never by the client, and retries happen here, only for idempotent methods.
 */
public final class HttpFetcher {

    private static final Logger LOG = LoggerFactory.getLogger(HttpFetcher.class);

    public static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    public static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS");
    /** Headers the client owns: framing, connection management, and the host the egress check was made for. */
    public static final Set<String> FORBIDDEN_HEADERS = Set.of("host", "content-length", "transfer-encoding", "connection",
        "upgrade", "te", "trailer", "keep-alive", "proxy-connection", "proxy-authorization", "expect",
        "http2-settings");
    private static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "cookie", "proxy-authorization");
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final Set<Integer> RETRY_STATUS = Set.of(502, 503, 504);
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}");
    private static final int MAX_RESULT_HEADERS = 100;
    private static final int MAX_HEADER_VALUE = 8192;

    /**
     * The limits.
     *
     * @param connectTimeoutMillis one connection attempt
     * @param readTimeoutMillis silence while a response is read
     * @param maxResponseBytes body bytes kept
     * @param maxRedirects redirects followed
     * @param maxAttempts attempts of an idempotent request
     * @param backoffMillis wait before the first retry, doubled for each further one
     * @param maxBackoffMillis longest wait, and longest Retry-After honoured
     * @param userAgent the default User-Agent
     */
    public record Settings(long connectTimeoutMillis, long readTimeoutMillis, long maxResponseBytes, int maxRedirects,
        int maxAttempts, long backoffMillis, long maxBackoffMillis, String userAgent) {

        /** Clamps the values to their smallest sensible ones (timeouts and attempts at least 1, the rest at least 0). */
        public Settings {
            connectTimeoutMillis = Math.max(1, connectTimeoutMillis);
            readTimeoutMillis = Math.max(1, readTimeoutMillis);
            maxResponseBytes = Math.max(0, maxResponseBytes);
            maxRedirects = Math.max(0, maxRedirects);
            maxAttempts = Math.max(1, maxAttempts);
            backoffMillis = Math.max(0, backoffMillis);
            maxBackoffMillis = Math.max(0, maxBackoffMillis);
        }
    }

    /**
     * One request as a caller asked for it.
     *
     * @param method the method, upper case
     * @param url the URL as written
     * @param headers request headers
     * @param body the body, or null
     */
    public record Request(String method, String url, Map<String, String> headers, String body) {
    }

    /**
     * What a request runs under: the profile whose egress rules apply, a deadline, and a cancellation flag.
     *
     * @param profile the policy profile
     * @param deadline when to give up, or null for none (the timeouts still apply)
     * @param cancel whether the request should stop
     * @param traceId the W3C trace id the requests belong to, or empty (no {@code traceparent} is sent)
     * @param callId the tool call's id (its first 16 hex digits are the {@code execute_tool} span id), or empty
     */
    public record Scope(String profile, Instant deadline, java.util.function.BooleanSupplier cancel, String traceId,
        String callId) {

        /**
         * A scope outside a tool call: no trace context is sent.
         *
         * @param profile the policy profile
         * @param deadline when to give up, or null
         * @param cancel whether the request should stop
         */
        public Scope(String profile, Instant deadline, java.util.function.BooleanSupplier cancel) {
            this(profile, deadline, cancel, "", "");
        }

        /** @return the scope of a tool call */
        public static Scope of(ToolCall call) {
            return new Scope(call.profile(), call.deadline(), call::cancelled, call.traceId(), call.callId());
        }

        boolean cancelled() {
            return cancel != null && cancel.getAsBoolean();
        }
    }

    /** The end of one exchange: a redirect to follow, a status to retry, or the result. */
    private record Outcome(int status, String location, Long retryAfterSeconds, Map<String, Object> result,
        boolean retryable) {
    }

    private final Settings settings;
    private final TlsSocketStrategy tls;

    /**
     * @param settings the limits
     * @param sslContext trust for HTTPS (the JVM's default trust store in the server)
     */
    public HttpFetcher(Settings settings, SSLContext sslContext) {
        this.settings = settings;
        ClientTlsStrategyBuilder builder = ClientTlsStrategyBuilder.create().setSslContext(sslContext);
        builder.setHostVerificationPolicy(HostnameVerificationPolicy.BOTH);
        this.tls = builder.buildClassic();
    }

    /** @return the JVM's default TLS context (its default trust store) */
    public static SSLContext defaultTls() {
        try {
            return SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("no TLS implementation in this JVM", e);
        }
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Runs a request under the egress rules of the call's profile.
     *
     * @param request what to send
     * @param call the call (profile, deadline, cancellation)
     * @param guard the egress guard, or null when none is installed (then nothing connects)
     * @return {@code {status, headers, body, base64, truncated, url, redirects}}
     * @throws ToolException {@code egress_denied} and the other codes of the README
     */
    public Map<String, Object> fetch(Request request, ToolCall call, EgressGuard guard) throws ToolException {
        return fetch(request, Scope.of(call), guard);
    }

    /**
     * Runs a request under the egress rules of a profile, outside a tool call (a document a bundle loads).
     *
     * @param request what to send
     * @param call the profile whose egress rules apply, the deadline and the cancellation
     * @param guard the egress guard, or null when none is installed (then nothing connects)
     * @return as {@link #fetch(Request, ToolCall, EgressGuard)}
     * @throws ToolException as {@link #fetch(Request, ToolCall, EgressGuard)}
     */
    public Map<String, Object> fetch(Request request, Scope call, EgressGuard guard) throws ToolException {
        String method = request.method() == null ? "" : request.method().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw new ToolException("invalid_arguments", "the method must be one of DELETE, GET, HEAD, OPTIONS, "
                + "PATCH, POST, PUT");
        }
        Map<String, String> headers = checkHeaders(request.headers());
        String traceparent = traceparent(call);
        if (traceparent != null) {
            // the request is a child of the call's execute_tool span, whatever the caller put there
            headers.keySet().removeIf(name -> name.equalsIgnoreCase("traceparent"));
            headers.put("traceparent", traceparent);
        }
        String body = request.body();
        if (body != null && (method.equals("GET") || method.equals("HEAD"))) {
            throw new ToolException("invalid_arguments", "a " + method + " request has no body");
        }
        if (guard == null) {
            throw new ToolException("egress_denied", "egress denied by rule 'no_egress_guard': the egress guardrail "
                + "is not installed, so nothing may connect");
        }
        URI uri = TargetUrl.parse(request.url());
        checkTarget(guard, call.profile(), uri);
        long started = System.nanoTime();
        CheckedResolver resolver = new CheckedResolver(guard, call.profile());
        try (CloseableHttpClient client = client(resolver, call)) {
            for (int redirects = 0;; redirects++) {
                Outcome outcome = withRetries(client, resolver, method, uri, headers, body, call);
                if (outcome.location() == null) {
                    Map<String, Object> result = outcome.result();
                    result.put("url", TargetUrl.redact(uri));
                    result.put("redirects", redirects);
                    LOG.debug("{} {} -> {} in {} ms", method, TargetUrl.redact(uri), outcome.status(),
                        (System.nanoTime() - started) / 1_000_000);
                    return result;
                }
                if (redirects >= settings.maxRedirects()) {
                    throw new ToolException("too_many_redirects", TargetUrl.redact(uri) + " redirected more than "
                        + settings.maxRedirects() + " times");
                }
                URI next = TargetUrl.resolve(uri, outcome.location());
                checkTarget(guard, call.profile(), next);
                int status = outcome.status();
                if ((status == 303 && !method.equals("HEAD")) || ((status == 301 || status == 302) && method.equals("POST"))) {
                    method = "GET";
                    body = null;
                    headers.keySet().removeIf(name -> name.equalsIgnoreCase("content-type"));
                }
                if (!sameOrigin(uri, next)) {
                    headers.keySet().removeIf(name -> CREDENTIAL_HEADERS.contains(name.toLowerCase(Locale.ROOT)));
                }
                LOG.debug("{} {} redirects ({}) to {}", method, TargetUrl.redact(uri), status, TargetUrl.redact(next));
                uri = next;
            }
        } catch (IOException e) {
            // only close() gets here; the exchange itself maps its exceptions
            throw new ToolException("http_error", "the connection to " + TargetUrl.redact(uri) + " failed to close", e);
        }
    }

    /**
     * The W3C trace context of the call's outbound requests: its trace id, and as parent the span id its
     * {@code execute_tool} span has in traces (cuga.exporter.otel): the first 16 hex digits of the call id.
     *
     * @return {@code 00-<trace id>-<span id>-01}, or null when the call's ids are not W3C-shaped
     */
    public static String traceparent(Scope call) {
        String traceId = call.traceId();
        String callId = call.callId();
        if (!lowerHex(traceId, 32) || !lowerHex(callId, 32) || traceId.chars().allMatch(c -> c == '0')
            || callId.substring(0, 16).chars().allMatch(c -> c == '0')) {
            return null;
        }
        return "00-" + traceId + "-" + callId.substring(0, 16) + "-01";
    }

    private static boolean lowerHex(String s, int length) {
        if (s == null || s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static void checkTarget(EgressGuard guard, String profile, URI uri) throws ToolException {
        try {
            guard.checkTarget(profile, uri);
        } catch (EgressDeniedException e) {
            throw denied(e);
        }
    }

    private static ToolException denied(EgressDeniedException e) {
        return new ToolException("egress_denied", "egress denied by rule '" + e.rule() + "': " + e.getMessage());
    }

    private static Map<String, String> checkHeaders(Map<String, String> given) throws ToolException {
        Map<String, String> out = new LinkedHashMap<>();
        if (given == null) {
            return out;
        }
        for (Map.Entry<String, String> header : given.entrySet()) {
            String name = header.getKey();
            String value = header.getValue();
            if (name == null || !TOKEN.matcher(name).matches()) {
                throw new ToolException("invalid_arguments", "a header name must be a token such as Accept");
            }
            if (FORBIDDEN_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new ToolException("invalid_arguments", "the header '" + name + "' is set by the client and "
                    + "cannot be given");
            }
            if (value == null || value.length() > MAX_HEADER_VALUE || value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                throw new ToolException("invalid_arguments", "the value of header '" + name + "' must be text of at most "
                    + MAX_HEADER_VALUE + " characters without line breaks");
            }
            out.put(name, value);
        }
        return out;
    }

    private CloseableHttpClient client(CheckedResolver resolver, Scope call) {
        long connect = Math.max(1, Math.min(settings.connectTimeoutMillis(), remainingMillis(call)));
        return HttpClients.custom()
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(resolver)
                .setTlsSocketStrategy(tls)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                    .setConnectTimeout(Timeout.ofMilliseconds(connect))
                    .setSocketTimeout(Timeout.ofMilliseconds(settings.readTimeoutMillis()))
                    .build())
                .setMaxConnTotal(2)
                .setMaxConnPerRoute(2)
                .build())
            .disableRedirectHandling()
            .disableAutomaticRetries()
            .disableCookieManagement()
            .disableAuthCaching()
            .disableContentCompression()
            .setUserAgent(settings.userAgent())
            .build();
    }

    private Outcome withRetries(CloseableHttpClient client, CheckedResolver resolver, String method, URI uri,
        Map<String, String> headers, String body, Scope call) throws ToolException {
        for (int attempt = 1;; attempt++) {
            checkCancelled(call);
            boolean mayRetry = IDEMPOTENT.contains(method) && attempt < settings.maxAttempts();
            try {
                Outcome outcome = once(client, method, uri, headers, body, call);
                if (mayRetry && outcome.retryable()) {
                    long wait = backoff(attempt, outcome.retryAfterSeconds(), call);
                    if (wait >= 0) {
                        LOG.debug("{} {} answered {}; retry {} in {} ms", method, TargetUrl.redact(uri), outcome.status(),
                            attempt, wait);
                        sleep(wait, call);
                        continue;
                    }
                }
                return outcome;
            } catch (IOException e) {
                EgressDeniedException denial = resolver.takeDenial();
                if (denial != null) {
                    throw denied(denial);
                }
                if (isConnectFailure(e)) {
                    long wait = mayRetry ? backoff(attempt, null, call) : -1;
                    if (wait >= 0) {
                        LOG.debug("{} {}: {}; retry {} in {} ms", method, TargetUrl.redact(uri), describe(e), attempt, wait);
                        sleep(wait, call);
                        continue;
                    }
                    throw new ToolException("connect_failed", "could not connect to " + TargetUrl.redact(uri) + " ("
                        + describe(e) + (attempt > 1 ? ", " + attempt + " attempts" : "") + ")", e);
                }
                if (e instanceof SocketTimeoutException) {
                    throw new ToolException("timeout", TargetUrl.redact(uri) + " sent no response within "
                        + Math.min(settings.readTimeoutMillis(), Math.max(0, remainingMillis(call))) + " ms", e);
                }
                if (e instanceof SSLException) {
                    String message = Objects.toString(e.getMessage(), "");
                    throw new ToolException("tls_error", "the TLS connection to " + TargetUrl.redact(uri) + " failed: "
                        + (message.length() > 200 ? message.substring(0, 200) + "…" : message), e);
                }
                throw new ToolException("http_error", "the request to " + TargetUrl.redact(uri) + " failed ("
                    + e.getClass().getSimpleName() + ")", e);
            }
        }
    }

    /** One exchange: a redirect to follow, or a result (retryable for 502, 503 and 504). */
    private Outcome once(CloseableHttpClient client, String method, URI uri, Map<String, String> headers, String body,
        Scope call) throws IOException, ToolException {
        long remaining = remainingMillis(call);
        if (remaining <= 0) {
            throw new ToolException("timeout", "the call's deadline passed before " + TargetUrl.redact(uri) + " answered");
        }
        HttpUriRequestBase request = new HttpUriRequestBase(method, uri);
        headers.forEach(request::addHeader);
        if (body != null) {
            boolean typed = headers.keySet().stream().anyMatch(name -> name.equalsIgnoreCase("content-type"));
            request.setEntity(new ByteArrayEntity(body.getBytes(StandardCharsets.UTF_8),
                typed ? null : ContentType.create("text/plain", StandardCharsets.UTF_8)));
        }
        request.setConfig(RequestConfig.custom()
            .setResponseTimeout(Timeout.ofMilliseconds(Math.min(settings.readTimeoutMillis(), remaining)))
            .setConnectionRequestTimeout(Timeout.ofMilliseconds(Math.min(settings.connectTimeoutMillis(), remaining)))
            .setRedirectsEnabled(false)
            .setProtocolUpgradeEnabled(false)
            .build());
        ClassicHttpResponse response = client.executeOpen(null, request, HttpClientContext.create());
        try {
            int status = response.getCode();
            Header location = response.getFirstHeader("Location");
            if (REDIRECTS.contains(status) && location != null) {
                request.cancel();
                return new Outcome(status, location.getValue(), null, null, false);
            }
            return new Outcome(status, null, retryAfter(response), result(request, response, method, call),
                RETRY_STATUS.contains(status));
        } finally {
            try {
                response.close();
            } catch (IOException e) {
                LOG.debug("closing the response of {} failed: {}", TargetUrl.redact(uri), e.toString());
            }
        }
    }

    private Map<String, Object> result(HttpUriRequestBase request, ClassicHttpResponse response, String method,
        Scope call) throws IOException, ToolException {
        Map<String, Object> headers = new LinkedHashMap<>();
        for (Header header : response.getHeaders()) {
            String name = header.getName().toLowerCase(Locale.ROOT);
            String value = header.getValue() == null ? "" : header.getValue();
            if (value.length() > MAX_HEADER_VALUE) {
                value = value.substring(0, MAX_HEADER_VALUE);
            }
            Object previous = headers.get(name);
            if (previous != null) {
                headers.put(name, previous + ", " + value);
            } else if (headers.size() < MAX_RESULT_HEADERS) {
                headers.put(name, value);
            }
        }
        byte[] bytes = new byte[0];
        boolean truncated = false;
        HttpEntity entity = response.getEntity();
        if (entity != null && !method.equals("HEAD")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long limit = settings.maxResponseBytes();
            InputStream in = entity.getContent();
            try {
                byte[] buffer = new byte[8192];
                int n;
                while ((n = in.read(buffer)) != -1) {
                    if (out.size() + (long) n > limit) {
                        out.write(buffer, 0, (int) (limit - out.size()));
                        truncated = true;
                        // drop the connection rather than read the rest
                        request.cancel();
                        break;
                    }
                    out.write(buffer, 0, n);
                    if (call.cancelled() || Thread.currentThread().isInterrupted()) {
                        request.cancel();
                        throw new ToolException("cancelled", "the call was cancelled while the response was read");
                    }
                }
            } finally {
                try {
                    in.close();
                } catch (IOException e) {
                    // the connection was dropped on purpose
                }
            }
            bytes = out.toByteArray();
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("status", response.getCode());
        result.put("headers", headers);
        ContentType type = contentType(entity, response);
        String text = text(bytes, type);
        result.put("body", text != null ? text : Base64.getEncoder().encodeToString(bytes));
        result.put("base64", text == null);
        result.put("truncated", truncated);
        return result;
    }

    private static ContentType contentType(HttpEntity entity, ClassicHttpResponse response) {
        Header header = response.getFirstHeader("Content-Type");
        String value = header != null ? header.getValue() : entity != null ? entity.getContentType() : null;
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return ContentType.parseLenient(value);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** @return the body as text when its type is textual (or untyped and valid UTF-8), else null for base64 */
    static String text(byte[] bytes, ContentType type) {
        if (type == null) {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                return null;
            }
        }
        String mime = type.getMimeType().toLowerCase(Locale.ROOT);
        boolean textual = mime.startsWith("text/") || mime.endsWith("+json") || mime.endsWith("+xml")
            || mime.equals("application/json") || mime.equals("application/xml") || mime.equals("application/javascript")
            || mime.equals("application/x-www-form-urlencoded") || mime.equals("application/x-ndjson")
            || mime.equals("application/yaml") || mime.equals("application/graphql");
        if (!textual) {
            return null;
        }
        Charset charset = StandardCharsets.UTF_8;
        try {
            if (type.getCharset() != null) {
                charset = type.getCharset();
            }
        } catch (RuntimeException e) {
            // an unknown charset name: read as UTF-8
        }
        return new String(bytes, charset);
    }

    private static Long retryAfter(ClassicHttpResponse response) {
        Header header = response.getFirstHeader("Retry-After");
        if (header == null || header.getValue() == null || !header.getValue().trim().matches("[0-9]{1,6}")) {
            return null;
        }
        return Long.parseLong(header.getValue().trim());
    }

    /** @return the wait before the next attempt, or -1 when there is no time for one */
    private long backoff(int attempt, Long retryAfterSeconds, Scope call) {
        long wait = Math.min(settings.maxBackoffMillis(), settings.backoffMillis() << Math.min(20, attempt - 1));
        if (retryAfterSeconds != null) {
            long asked = retryAfterSeconds * 1000;
            if (asked > settings.maxBackoffMillis()) {
                return -1;
            }
            wait = Math.max(wait, asked);
        }
        return wait < remainingMillis(call) - 1 ? wait : -1;
    }

    private static void sleep(long millis, Scope call) throws ToolException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ToolException("cancelled", "the call was cancelled");
        }
        checkCancelled(call);
    }

    private static void checkCancelled(Scope call) throws ToolException {
        if (call.cancelled() || Thread.currentThread().isInterrupted()) {
            throw new ToolException("cancelled", "the call was cancelled");
        }
    }

    private static long remainingMillis(Scope call) {
        Instant deadline = call.deadline();
        return deadline == null ? Long.MAX_VALUE : Duration.between(Instant.now(), deadline).toMillis();
    }

    private static boolean isConnectFailure(IOException e) {
        return e instanceof ConnectException || e instanceof ConnectTimeoutException || e instanceof NoRouteToHostException;
    }

    private static String describe(IOException e) {
        if (e instanceof ConnectTimeoutException) {
            return "connect timed out";
        }
        if (e instanceof NoRouteToHostException) {
            return "no route to host";
        }
        return "connection refused";
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && Objects.equals(a.getHost(), b.getHost())
            && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    /**
     * Resolves host names for the client and lets through only the addresses egress allows, all of them or none:
     * what this returns is what the client connects to.
     */
    static final class CheckedResolver implements DnsResolver {

        private final EgressGuard guard;
        private final String profile;
        private volatile EgressDeniedException denial;

        CheckedResolver(EgressGuard guard, String profile) {
            this.guard = guard;
            this.profile = profile;
        }

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            InetAddress[] addresses;
            try {
                addresses = InetAddress.getAllByName(name);
            } catch (UnknownHostException e) {
                throw deny(new EgressDeniedException("unresolvable_host", "the host " + name + " does not resolve"));
            }
            if (addresses.length == 0) {
                throw deny(new EgressDeniedException("unresolvable_host", "the host " + name + " does not resolve"));
            }
            for (InetAddress address : addresses) {
                try {
                    guard.checkAddress(profile, host, address);
                } catch (EgressDeniedException e) {
                    throw deny(e);
                }
            }
            return addresses;
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }

        private UnknownHostException deny(EgressDeniedException e) {
            denial = e;
            return new UnknownHostException("egress denied by rule '" + e.rule() + "'");
        }

        /** @return the denial that stopped the last connection, once */
        EgressDeniedException takeDenial() {
            EgressDeniedException taken = denial;
            denial = null;
            return taken;
        }
    }
}
