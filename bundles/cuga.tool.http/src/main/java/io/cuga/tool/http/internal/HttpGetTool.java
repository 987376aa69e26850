package io.cuga.tool.http.internal;



import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

import io.cuga.api.net.EgressGuard;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolCall;
import io.cuga.api.tool.ToolException;
import io.cuga.api.tool.ToolService;
import io.cuga.tool.http.client.HttpFetcher;

/** The {@code http_get} tool: a GET through the egress-checked client. */
@Component(service = Tool.class, configurationPid = HttpToolConfig.PID)
@Designate(ocd = HttpToolConfig.class)
@ToolService(name = "http_get",
    description = "Fetches a URL with HTTP GET and returns the status, headers and body (text, or base64 for "
        + "binary). Only hosts the egress policy allows are reached; redirects are followed and checked too.",
    risk = RiskTier.READ,
    schema = "/schemas/http_get.json",
    outbound = "url")
public class HttpGetTool implements Tool {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile EgressGuard guard;

    private volatile HttpFetcher fetcher;

    /** @param config timeouts and limits */
    @Activate
    public HttpGetTool(HttpToolConfig config) {
        modified(config);
    }

    HttpGetTool(HttpFetcher fetcher, EgressGuard guard) {
        this.fetcher = fetcher;
        this.guard = guard;
    }

    @Modified
    void modified(HttpToolConfig config) {
        fetcher = new HttpFetcher(settings(config), HttpFetcher.defaultTls());
    }

    @Override
    public Object invoke(ToolCall call) throws ToolException {
        String url = ArgumentReader.string(call.arguments(), "url", true);
        return fetcher.fetch(new HttpFetcher.Request("GET", url, ArgumentReader.headers(call.arguments()), null), call,
            guard);
    }

    static HttpFetcher.Settings settings(HttpToolConfig config) {
        return new HttpFetcher.Settings(config.connect_timeout_millis(), config.read_timeout_millis(),
            config.max_response_bytes(), config.max_redirects(), config.max_attempts(), config.retry_backoff_millis(),
            config.retry_backoff_max_millis(), config.user_agent());
    }
}
