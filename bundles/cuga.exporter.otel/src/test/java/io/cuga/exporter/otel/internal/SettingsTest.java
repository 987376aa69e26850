package io.cuga.exporter.otel.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class SettingsTest {

    static Settings of(Map<String, Object> config, Map<String, String> env) {
        return Settings.resolve(Configs.of(OtelConfig.class, config), env);
    }

    @Test
    void withoutAnEndpointTheExporterIdlesAndSaysWhy() {
        Settings s = of(Map.of(), Map.of());
        assertThat(s.enabled()).isFalse();
        assertThat(s.idleReason()).contains("OTEL_EXPORTER_OTLP_ENDPOINT");
    }

    @Test
    void theStandardVariablesAreRead() {
        Settings s = of(Map.of(), Map.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/",
            "OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20abc,x-tenant=t1",
            "OTEL_SERVICE_NAME", "cuga-eu",
            "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,service.name=ignored",
            "OTEL_TRACES_SAMPLER", "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG", "0.25",
            "OTEL_BSP_SCHEDULE_DELAY", "200",
            "OTEL_EXPORTER_OTLP_TIMEOUT", "3000",
            "OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"));
        assertThat(s.enabled()).isTrue();
        assertThat(s.endpoint()).isEqualTo("http://collector:4318/v1/traces");
        assertThat(s.headers()).containsEntry("Authorization", "Bearer abc").containsEntry("x-tenant", "t1");
        assertThat(s.serviceName()).isEqualTo("cuga-eu");
        assertThat(s.resource()).containsExactly(Map.entry("deployment.environment", "prod"));
        assertThat(s.sampler()).isEqualTo("parentbased_traceidratio");
        assertThat(s.samplerRatio()).isEqualTo(0.25);
        assertThat(s.scheduleDelayMillis()).isEqualTo(200);
        assertThat(s.timeoutMillis()).isEqualTo(3000);
        assertThat(s.compression()).isEqualTo("gzip");
        assertThat(s.maxQueueSize()).isEqualTo(8192);
        assertThat(s.maxBatchSize()).isEqualTo(2048);
        assertThat(s.captureContent()).isFalse();
    }

    @Test
    void theTracesEndpointIsUsedAsIsAndConfigurationWins() {
        assertThat(of(Map.of(), Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:4318/custom")).endpoint())
            .isEqualTo("http://b:4318/custom");
        Settings s = of(Map.of("endpoint", "https://c:4318", "service_name", "from-config", "max_queue_size", 10,
            "max_export_batch_size", 50, "capture_content", true), Map.of("OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://a:4318", "OTEL_SERVICE_NAME", "from-env"));
        assertThat(s.endpoint()).isEqualTo("https://c:4318/v1/traces");
        assertThat(s.serviceName()).isEqualTo("from-config");
        assertThat(s.maxQueueSize()).isEqualTo(10);
        assertThat(s.maxBatchSize()).isEqualTo(10); // never more than the queue holds
        assertThat(s.captureContent()).isTrue();
    }

    @Test
    void switchesAndUnsupportedProtocolsIdle() {
        Map<String, String> endpoint = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318");
        assertThat(of(Map.of("enabled", false), endpoint).enabled()).isFalse();
        assertThat(of(Map.of(), Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318", "OTEL_SDK_DISABLED", "true"))
            .idleReason()).contains("OTEL_SDK_DISABLED");
        assertThat(of(Map.of(), Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318", "OTEL_TRACES_EXPORTER",
            "none")).enabled()).isFalse();
        assertThat(of(Map.of(), Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4317", "OTEL_EXPORTER_OTLP_PROTOCOL",
            "grpc")).idleReason()).contains("grpc");
        assertThat(of(Map.of(), Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")).enabled()).isFalse();
        assertThat(of(Map.of(), Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318",
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")).captureContent()).isTrue();
    }
}
