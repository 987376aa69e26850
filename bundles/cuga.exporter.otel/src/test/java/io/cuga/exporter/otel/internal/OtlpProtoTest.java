package io.cuga.exporter.otel.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;

/** What OtlpProto writes, read back by the OTLP protobuf classes a collector is generated from. */
class OtlpProtoTest {

    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String SPAN = "0af7651916cd43dd";
    static final String PARENT = "00f067aa0ba902b7";

    static SpanSpec spec(String name, Attributes attributes, boolean error, String message, byte[] shared) {
        return new SpanSpec(name, TRACE, SPAN, PARENT, 1_764_238_530_000_000_100L, 1_764_238_530_005_000_100L,
            attributes, error, message, List.of(), shared);
    }

    static Span read(byte[] span) throws Exception {
        ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(OtlpProto.request(
            OtlpProto.header(Attributes.of(AttributeKey.stringKey("service.name"), "cuga"), "scope", null),
            List.of(span)));
        return request.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    }

    static AnyValue value(List<KeyValue> attributes, String key) {
        return attributes.stream().filter(kv -> kv.getKey().equals(key)).findFirst().orElseThrow().getValue();
    }

    @Test
    void everyAttributeTypeIdsTimesKindStatusAndFlagsReadBackAsWritten() throws Exception {
        String longText = "é".repeat(200) + " ✓"; // multi-byte UTF-8, and lengths that take two varint bytes
        Attributes attributes = Attributes.builder()
            .put("s", "text")
            .put("long.text", longText)
            .put("n", 42L)
            .put("negative", -7L)
            .put("max", Long.MAX_VALUE)
            .put("flag", true)
            .put("off", false)
            .put("ratio", 0.25)
            .put(AttributeKey.stringArrayKey("names"), List.of("a", "b"))
            .put(AttributeKey.longArrayKey("numbers"), List.of(1L, -2L))
            .put(AttributeKey.booleanArrayKey("bits"), List.of(true, false))
            .put(AttributeKey.doubleArrayKey("halves"), List.of(0.5, 1.5))
            .build();
        Span span = read(new OtlpProto().span(spec("execute_tool calculator", attributes, true, "denied: ✗", null),
            OtlpProto.idBytes(TRACE), PARENT, true).toByteArray());

        assertThat(HexFormat.of().formatHex(span.getTraceId().toByteArray())).isEqualTo(TRACE);
        assertThat(HexFormat.of().formatHex(span.getSpanId().toByteArray())).isEqualTo(SPAN);
        assertThat(HexFormat.of().formatHex(span.getParentSpanId().toByteArray())).isEqualTo(PARENT);
        assertThat(span.getName()).isEqualTo("execute_tool calculator");
        assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_INTERNAL);
        assertThat(span.getStartTimeUnixNano()).isEqualTo(1_764_238_530_000_000_100L);
        assertThat(span.getEndTimeUnixNano()).isEqualTo(1_764_238_530_005_000_100L);
        assertThat(span.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(span.getStatus().getMessage()).isEqualTo("denied: ✗");
        // sampled, and the parent is known to be another process's
        assertThat(span.getFlags()).isEqualTo(0x301);

        List<KeyValue> kv = span.getAttributesList();
        assertThat(kv).hasSize(12);
        assertThat(value(kv, "s").getStringValue()).isEqualTo("text");
        assertThat(value(kv, "long.text").getStringValue()).isEqualTo(longText);
        assertThat(value(kv, "n").getIntValue()).isEqualTo(42);
        assertThat(value(kv, "negative").getIntValue()).isEqualTo(-7);
        assertThat(value(kv, "max").getIntValue()).isEqualTo(Long.MAX_VALUE);
        assertThat(value(kv, "flag").getBoolValue()).isTrue();
        assertThat(value(kv, "off").hasBoolValue()).isTrue();
        assertThat(value(kv, "off").getBoolValue()).isFalse();
        assertThat(value(kv, "ratio").getDoubleValue()).isEqualTo(0.25);
        assertThat(value(kv, "names").getArrayValue().getValuesList()).extracting(AnyValue::getStringValue)
            .containsExactly("a", "b");
        assertThat(value(kv, "numbers").getArrayValue().getValuesList()).extracting(AnyValue::getIntValue)
            .containsExactly(1L, -2L);
        assertThat(value(kv, "bits").getArrayValue().getValuesList()).extracting(AnyValue::getBoolValue)
            .containsExactly(true, false);
        assertThat(value(kv, "halves").getArrayValue().getValuesList()).extracting(AnyValue::getDoubleValue)
            .containsExactly(0.5, 1.5);
    }

    @Test
    void aSharedPartStandsForTheNameAttributesAndStatusAndARootSpanHasNoParent() throws Exception {
        Attributes attributes = Attributes.of(AttributeKey.stringKey("cuga.guardrail.name"), "egress");
        byte[] shared = OtlpProto.sharedPart("apply_guardrail egress", attributes, true, "host not allowed");
        Span span = read(new OtlpProto().span(spec("ignored", Attributes.empty(), false, "", shared),
            OtlpProto.idBytes(TRACE), null, false).toByteArray());

        assertThat(span.getName()).isEqualTo("apply_guardrail egress");
        assertThat(value(span.getAttributesList(), "cuga.guardrail.name").getStringValue()).isEqualTo("egress");
        assertThat(span.getStatus().getMessage()).isEqualTo("host not allowed");
        assertThat(span.getParentSpanId().isEmpty()).isTrue();
        assertThat(span.getFlags()).isEqualTo(0x01);

        Span ok = read(new OtlpProto().span(spec("ok", Attributes.empty(), false, "", null), OtlpProto.idBytes(TRACE),
            SPAN, false).toByteArray());
        assertThat(ok.hasStatus()).as("no status unless an error").isFalse();
        assertThat(ok.getFlags()).as("a local parent").isEqualTo(0x101);
    }

    @Test
    void aRequestOfManySpansHasOneResourceAndOneScopeHoldingThemAll() throws Exception {
        OtlpProto out = new OtlpProto();
        List<byte[]> spans = new ArrayList<>();
        for (int i = 0; i < 2000; i++) { // over 64 KiB: lengths of three varint bytes
            spans.add(out.reset().span(spec("span " + i, Attributes.of(AttributeKey.longKey("i"), (long) i), false,
                "", null), OtlpProto.idBytes(TRACE), PARENT, false).toByteArray());
        }
        byte[][] header = OtlpProto.header(Attributes.builder().put("service.name", "cuga")
            .put("service.version", "1.2.3").build(), "io.cuga.exporter.otel", "1.0");
        byte[] bytes = OtlpProto.request(header, spans);
        assertThat(bytes.length).isGreaterThan(65_536);

        ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(bytes);
        assertThat(request.getResourceSpansCount()).isEqualTo(1);
        ResourceSpans rs = request.getResourceSpans(0);
        assertThat(value(rs.getResource().getAttributesList(), "service.version").getStringValue()).isEqualTo("1.2.3");
        assertThat(rs.getScopeSpansCount()).isEqualTo(1);
        ScopeSpans ss = rs.getScopeSpans(0);
        assertThat(ss.getScope().getName()).isEqualTo("io.cuga.exporter.otel");
        assertThat(ss.getScope().getVersion()).isEqualTo("1.0");
        assertThat(ss.getSpansCount()).isEqualTo(2000);
        assertThat(ss.getSpans(1999).getName()).isEqualTo("span 1999");
        assertThat(value(ss.getSpans(1999).getAttributesList(), "i").getIntValue()).isEqualTo(1999);
    }
}
