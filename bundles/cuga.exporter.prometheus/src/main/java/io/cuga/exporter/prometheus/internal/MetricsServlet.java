package io.cuga.exporter.prometheus.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /metrics}: the meters in Prometheus text format (0.0.4), or OpenMetrics when the scraper asks for it
 * in {@code Accept}. Open, as the HTTP contract says: no token is needed and one sent is ignored. The exact
 * pattern {@value #PATTERN} wins over the API servlet's {@code /} catch-all.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletName(MetricsServlet.NAME)
@HttpWhiteboardServletPattern(MetricsServlet.PATTERN)
public final class MetricsServlet extends HttpServlet {

    /** The whiteboard pattern. */
    static final String PATTERN = "/metrics";

    /** The whiteboard servlet name. */
    static final String NAME = "cuga.exporter.prometheus.metrics";

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServlet.class);

    private final transient PrometheusMetrics metrics;
    private final transient ExpositionFormats formats;

    /** @param metrics the meters */
    @Activate
    public MetricsServlet(@Reference PrometheusMetrics metrics) {
        this.metrics = metrics;
        this.formats = ExpositionFormats.init();
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String method = request.getMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            error(response, 405, "method_not_allowed", "/metrics accepts GET");
            return;
        }
        ExpositionFormatWriter writer = writer(request.getHeader("Accept"));
        byte[] body;
        try {
            body = metrics.scrape(writer.getContentType()).getBytes(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            LOG.error("Rendering /metrics failed", e);
            error(response, 500, "internal_error", "rendering the metrics failed; the error is logged");
            return;
        }
        response.setStatus(200);
        response.setContentType(writer.getContentType());
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        if ("GET".equals(method)) {
            try (OutputStream out = response.getOutputStream()) {
                out.write(body);
            }
        }
    }

    private ExpositionFormatWriter writer(String accept) {
        // protobuf is not offered (its bundle is not installed): text, or OpenMetrics when asked for
        if (accept != null && accept.contains("application/openmetrics-text")) {
            return formats.getOpenMetricsTextFormatWriter();
        }
        return formats.getPrometheusTextFormatWriter();
    }

    private static void error(HttpServletResponse response, int status, String code, String message)
        throws IOException {
        byte[] body = ("{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\",\"details\":{}}}")
            .getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        if (status == 405) {
            response.setHeader("Allow", "GET, HEAD");
        }
        response.setContentType("application/json;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
