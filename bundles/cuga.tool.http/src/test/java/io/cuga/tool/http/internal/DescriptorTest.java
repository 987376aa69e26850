package io.cuga.tool.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import io.cuga.tool.http.client.TargetUrl;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolException;

/** The tools as the orchestrator sees them: descriptors, schemas; and how URLs are read and redacted. */
class DescriptorTest {

    private static Map<String, String> properties(Class<?> component) throws Exception {
        Path xml = Path.of("target/classes/OSGI-INF/" + component.getName() + ".xml");
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        Map<String, String> props = new LinkedHashMap<>();
        NodeList list = doc.getElementsByTagName("property");
        for (int k = 0; k < list.getLength(); k++) {
            Element p = (Element) list.item(k);
            props.put(p.getAttribute("name"), p.hasAttribute("value") ? p.getAttribute("value") : p.getTextContent().trim());
        }
        Element provide = (Element) doc.getElementsByTagName("provide").item(0);
        assertThat(provide.getAttribute("interface")).isEqualTo(Tool.class.getName());
        Element reference = (Element) doc.getElementsByTagName("reference").item(0);
        assertThat(reference.getAttribute("interface")).isEqualTo("io.cuga.api.net.EgressGuard");
        assertThat(reference.getAttribute("cardinality")).isEqualTo("0..1");
        return props;
    }

    @Test
    void httpGetIsAReadToolWhoseUrlIsOutbound() throws Exception {
        Map<String, String> props = properties(HttpGetTool.class);
        assertThat(props).containsEntry(Tool.NAME, "http_get").containsEntry(Tool.RISK, "READ")
            .containsEntry(Tool.SCHEMA, "/schemas/http_get.json").containsEntry(Tool.OUTBOUND, "url");
    }

    @Test
    void httpRequestIsAWriteToolWhoseUrlIsOutbound() throws Exception {
        Map<String, String> props = properties(HttpRequestTool.class);
        assertThat(props).containsEntry(Tool.NAME, "http_request").containsEntry(Tool.RISK, "WRITE")
            .containsEntry(Tool.SCHEMA, "/schemas/http_request.json").containsEntry(Tool.OUTBOUND, "url");
    }

    private static Schema schema(String name) throws Exception {
        try (InputStream in = DescriptorTest.class.getResourceAsStream("/schemas/" + name)) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        }
    }

    @Test
    void theSchemasRefuseUnknownArguments() throws Exception {
        Schema get = schema("http_get.json");
        assertThat(get.validate("{\"url\": \"https://api.example.com/\"}", InputFormat.JSON)).isEmpty();
        assertThat(get.validate("{\"url\": \"https://a.example/\", \"headers\": {\"Accept\": \"text/html\"}}",
            InputFormat.JSON)).isEmpty();
        assertThat(get.validate("{}", InputFormat.JSON)).isNotEmpty();
        assertThat(get.validate("{\"url\": \"https://a.example/\", \"method\": \"POST\"}", InputFormat.JSON)).isNotEmpty();
        assertThat(get.validate("{\"url\": \"https://a.example/\", \"headers\": {\"Accept\": 1}}", InputFormat.JSON))
            .isNotEmpty();
        assertThat(get.validate("{\"url\": \"https://a.example/\", \"headers\": {\"Bad Name\": \"x\"}}", InputFormat.JSON))
            .isNotEmpty();
        Schema request = schema("http_request.json");
        assertThat(request.validate("{\"method\": \"POST\", \"url\": \"https://a.example/\", \"body\": \"x\"}",
            InputFormat.JSON)).isEmpty();
        assertThat(request.validate("{\"method\": \"TRACE\", \"url\": \"https://a.example/\"}", InputFormat.JSON))
            .isNotEmpty();
        assertThat(request.validate("{\"url\": \"https://a.example/\"}", InputFormat.JSON)).isNotEmpty();
        assertThat(request.validate("{\"method\": \"GET\", \"url\": \"https://a.example/\", \"x\": 1}", InputFormat.JSON))
            .isNotEmpty();
    }

    @Test
    void urlsAreNormalisedSoThatWhatEgressChecksIsWhatIsRequested() throws Exception {
        assertThat(TargetUrl.parse("HTTPS://API.Example.COM./v1?q=1")).isEqualTo(URI.create("https://api.example.com/v1?q=1"));
        assertThat(TargetUrl.parse("https://b\u00fccher.example:8443/\u00e4")).isEqualTo(
            URI.create("https://xn--bcher-kva.example:8443/%C3%A4"));
        assertThat(TargetUrl.parse("http://[::FFFF:127.0.0.1]:80/").getHost()).isEqualTo("[::ffff:127.0.0.1]");
        for (String bad : new String[] {"", "http://a.example/ x", "http://a\\b/", "http://u:p@a.example/",
            "http://a.example/\u0000"}) {
            assertThat(catchThrowableOfType(ToolException.class, () -> TargetUrl.parse(bad)).code()).as(bad)
                .isEqualTo("invalid_arguments");
        }
    }

    @Test
    void redactionKeepsNoUserinfoQueryValueOrFragment() throws Exception {
        assertThat(TargetUrl.redact(URI.create("https://u:p@a.example:8443/x/y?token=abc&flag&=v#frag")))
            .isEqualTo("https://a.example:8443/x/y?token=REDACTED&REDACTED&=REDACTED");
        assertThat(TargetUrl.redact(URI.create("https://a.example"))).isEqualTo("https://a.example");
        assertThat(TargetUrl.resolve(URI.create("https://a.example/dir/page?x=1"), "../other?y=2"))
            .isEqualTo(URI.create("https://a.example/other?y=2"));
        assertThat(TargetUrl.resolve(URI.create("https://a.example/"), "//b.example/p"))
            .isEqualTo(URI.create("https://b.example/p"));
        assertThat(catchThrowableOfType(ToolException.class,
            () -> TargetUrl.resolve(URI.create("https://a.example/?s=1"), "/a b")).getMessage())
            .isEqualTo("the redirect from https://a.example/?s=REDACTED has a Location with whitespace, control "
                + "characters or backslashes");
    }
}
