package io.cuga.orchestrator.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "cuga tool allowlist",
    description = "Which tool services callers can reach. A tool is visible only when its name matches a "
        + "pattern in 'tools' AND its contributing bundle's symbolic name matches a pattern in 'bundles'. "
        + "Empty lists allow nothing (deny by default).")
@interface AllowlistConfig {

    String PID = "cuga.allowlist";

    @AttributeDefinition(name = "Tool names",
        description = "Tool name patterns, globs with * and ?; several per value separated by commas.")
    String[] tools() default {};

    @AttributeDefinition(name = "Bundles",
        description = "Bundle symbolic name patterns of bundles allowed to contribute tools, globs with * and ?.")
    String[] bundles() default {};
}
