package io.cuga.webconsole.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class HtmlTest {

    @Test
    void textAndAttributesAreEscapedIncludingTheConsolesVariableSyntax() {
        String hostile = "<script>alert('x')</script> & \"${brand.name}\"";
        String html = new Html().raw("<p").attr("title", hostile).raw(">").text(hostile).raw("</p>").toString();
        assertThat(html).doesNotContain("<script>").doesNotContain("${").doesNotContain("'x'")
            .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;&#36;{brand.name}&quot;");
        assertThat(Html.escape("\u0000a\u0007")).isEqualTo("&#xFFFD;a&#xFFFD;");
        assertThat(Html.escape("plain text")).isSameAs("plain text");
    }

    @Test
    void queryStringsKeepOnlyGivenValuesEncoded() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("tool", "a b&c");
        params.put("decision", "");
        params.put("before", "42");
        assertThat(Html.query(params)).isEqualTo("?tool=a+b%26c&before=42");
        assertThat(Html.query(Map.of("x", " "))).isEmpty();
    }

    @Test
    void nestedValuesBecomeReadableListsNotJson() {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("expression", "6 * 7");
        args.put("api_key", "[REDACTED]");
        args.put("tags", List.of("a", "b"));
        args.put("nested", Map.of("deep", List.of(Map.of("k", 1))));
        Html page = new Html();
        Values.render(page, args);
        assertThat(page.toString())
            .startsWith("<dl class=\"cuga-kv\"><dt>expression</dt><dd>6 * 7</dd><dt>api_key</dt><dd>[REDACTED]</dd>"
                + "<dt>tags</dt><dd>a, b</dd>")
            .contains("<ol class=\"cuga-list\"><li><dl class=\"cuga-kv\"><dt>k</dt><dd>1</dd></dl></li></ol>")
            .doesNotContain("{");
        assertThat(Values.clip("x".repeat(1000))).hasSizeLessThan(450).endsWith("(1000 characters)");
    }
}
