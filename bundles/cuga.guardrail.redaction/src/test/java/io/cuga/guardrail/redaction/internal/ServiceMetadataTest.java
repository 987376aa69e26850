package io.cuga.guardrail.redaction.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

import org.junit.jupiter.api.Test;

import io.cuga.api.guardrail.Guardrail;

/** How the guardrail is found: as a DS service in OSGi, and with ServiceLoader by {@code cuga policy check}. */
class ServiceMetadataTest {

    @Test
    void serviceLoaderFindsTheGuardrailOutsideOsgi() throws Exception {
        List<Guardrail> found = ServiceLoader.load(Guardrail.class).stream().map(ServiceLoader.Provider::get).toList();
        assertThat(found).hasSize(1);
        assertThat(found.get(0)).isInstanceOf(RedactionGuardrail.class);
        // and it compiles an empty section (the policy names the type without a section)
        assertThat(found.get(0).compile(java.util.Map.of(), "default")).isNotNull();
    }

    @Test
    void theComponentDeclaresItsTypeAndOrder() throws Exception {
        String xml = Files.readString(Path.of("target/classes/OSGI-INF/" + RedactionGuardrail.class.getName() + ".xml"));
        assertThat(xml)
            .contains("<property name=\"cuga.guardrail.type\" type=\"String\" value=\"redaction\"/>")
            .contains("<property name=\"cuga.guardrail.order\" type=\"Integer\" value=\"700\"/>")
            .contains("<provide interface=\"io.cuga.api.guardrail.Guardrail\"/>");
    }
}
