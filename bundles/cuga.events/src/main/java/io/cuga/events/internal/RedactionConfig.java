package io.cuga.events.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Which attribute keys are redacted before an event leaves the process (PID {@value EventBus#REDACTION_PID}). */
@ObjectClassDefinition(pid = EventBus.REDACTION_PID, name = "cuga event redaction",
    description = "Attribute keys whose values become [REDACTED] before any exporter sees an event, in nested "
        + "maps and lists too. Matching ignores case and the separators _ - . and spaces, and a key matches when "
        + "it ends with a listed key: api_key also catches apiKey, X-Api-Key and openai_api_key.")
public @interface RedactionConfig {

    /** @return the sensitive keys */
    @AttributeDefinition(name = "Keys",
        description = "Sensitive attribute keys, comma-separated in a .cfg file. Replaces the default list; "
            + "keep the defaults in it unless you mean to drop them.")
    String[] keys() default {"password", "passwd", "secret", "token", "api_key", "apikey", "authorization",
        "cookie", "private_key", "access_key", "client_secret"};
}
