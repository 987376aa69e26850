package io.cuga.tool.http.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.cuga.api.net.EgressGuard;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolCall;
import io.cuga.api.tool.ToolException;
import io.cuga.api.tool.ToolService;
import io.cuga.tool.http.client.HttpFetcher;

/** The {@code http_request} tool: any method, headers and a text body, through the egress-checked client. */
@Component(service = Tool.class, configurationPid = HttpToolConfig.PID)
@ToolService(name = "http_request",
    description = "Sends an HTTP request (GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS) with optional headers "
        + "and a text body, and returns the status, headers and body. Only hosts the egress policy allows are "
        + "reached; redirects are followed and checked too.",
    risk = RiskTier.WRITE,
    schema = "/schemas/http_request.json",
    outbound = "url")
public class HttpRequestTool implements Tool {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile EgressGuard guard;

    private volatile HttpFetcher fetcher;

    /** @param config timeouts and limits */
    @Activate
    public HttpRequestTool(HttpToolConfig config) {
        modified(config);
    }

    HttpRequestTool(HttpFetcher fetcher, EgressGuard guard) {
        this.fetcher = fetcher;
        this.guard = guard;
    }

    @Modified
    void modified(HttpToolConfig config) {
        fetcher = new HttpFetcher(HttpGetTool.settings(config), HttpFetcher.defaultTls());
    }

    @Override
    public Object invoke(ToolCall call) throws ToolException {
        String method = ArgumentReader.string(call.arguments(), "method", true);
        String url = ArgumentReader.string(call.arguments(), "url", true);
        String body = ArgumentReader.string(call.arguments(), "body", false);
        return fetcher.fetch(new HttpFetcher.Request(method, url, ArgumentReader.headers(call.arguments()), body), call,
            guard);
    }
}
