package io.cuga.model.openai.internal;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The resolved settings of one configuration: configuration first, then the environment, then defaults.
 * {@link #toString()} never shows the key.
 *
 * @param baseUrl the API base URL without a trailing slash
 * @param model the model name, empty when none is configured
 * @param apiKey the key, empty for none (never logged)
 * @param keySource where the key came from, for the log ("api.key", "api.key.file", "OPENAI_API_KEY", "none")
 * @param organization the OpenAI-Organization header, empty for none
 * @param timeout the HTTP client's connect and read timeout
 * @param maxRetries retries of a failed non-streamed call
 */
record Settings(String baseUrl, String model, String apiKey, String keySource, String organization,
    Duration timeout, int maxRetries) {

    /** The base URL when neither the configuration nor OPENAI_BASE_URL gives one. */
    static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";

    /** A configuration that cannot be used, with a message safe to log (no key). */
    static final class InvalidSettings extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidSettings(String message) {
            super(message);
        }
    }

    /**
     * @param config the configuration
     * @param env the environment (System::getenv in production)
     * @param dataDir the directory a relative api.key.file resolves against
     * @return the settings
     * @throws InvalidSettings when the base URL is not http(s) or the key file cannot be read
     */
    static Settings resolve(OpenAiModelConfig config, UnaryOperator<String> env, Path dataDir)
        throws InvalidSettings {
        String baseUrl = first(config.base_url(), env.apply("OPENAI_BASE_URL"), DEFAULT_BASE_URL);
        while (baseUrl.endsWith("/")) {
            baseUrl = baseUrl.substring(0, baseUrl.length() - 1);
        }
        checkUrl(baseUrl);
        String model = first(config.model(), env.apply("CUGA_MODEL"), "");

        String key;
        String keySource;
        if (!blank(config.api_key())) {
            key = config.api_key().trim();
            keySource = "api.key";
        } else if (!blank(config.api_key_file())) {
            Path file = dataDir.resolve(config.api_key_file().trim());
            try {
                key = Files.readString(file, StandardCharsets.UTF_8).trim();
            } catch (IOException | RuntimeException e) {
                throw new InvalidSettings("api.key.file " + file + " cannot be read (" + e.getClass().getSimpleName()
                    + ")");
            }
            if (key.isEmpty()) {
                throw new InvalidSettings("api.key.file " + file + " is empty");
            }
            keySource = "api.key.file";
        } else if (!blank(env.apply("OPENAI_API_KEY"))) {
            key = env.apply("OPENAI_API_KEY").trim();
            keySource = "OPENAI_API_KEY";
        } else {
            key = "";
            keySource = "none";
        }
        if (key.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new InvalidSettings("the API key (from " + keySource + ") contains control characters");
        }
        long millis = config.timeout_millis() > 0 ? config.timeout_millis() : 60_000;
        int retries = Math.max(0, Math.min(10, config.max_retries()));
        return new Settings(baseUrl, model, key, keySource, first(config.organization(), null, ""),
            Duration.ofMillis(millis), retries);
    }

    /** @return whether a model is configured (else nothing is registered) */
    boolean hasModel() {
        return !model.isEmpty();
    }

    private static void checkUrl(String url) throws InvalidSettings {
        try {
            URI uri = new URI(url);
            if (uri.getRawUserInfo() != null) {
                throw new InvalidSettings("base.url must not carry user information");
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new InvalidSettings("base.url must be an http or https URL with a host, not " + url);
            }
        } catch (URISyntaxException e) {
            throw new InvalidSettings("base.url is not a URL: " + e.getReason());
        }
    }

    private static String first(String configured, String fromEnv, String fallback) {
        if (!blank(configured)) {
            return configured.trim();
        }
        if (!blank(fromEnv)) {
            return fromEnv.trim();
        }
        return fallback;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    @Override
    public String toString() {
        return "Settings[baseUrl=" + baseUrl + ", model=" + model + ", key=" + (apiKey.isEmpty() ? "none" : "set")
            + " (" + keySource + "), organization=" + organization + ", timeout=" + timeout.toMillis()
            + " ms, maxRetries=" + maxRetries + "]";
    }
}
