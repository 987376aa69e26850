package io.cuga.tool.openapi.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

import io.cuga.api.tool.RiskTier;

/** A service's configuration, checked: every mistake is an {@link IllegalArgumentException} naming the key. */
final class ServiceSettings {

    private static final Pattern SERVICE_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,40}");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");

    final String name;
    final String spec;
    final String profile;
    final String baseUrl;
    final Map<String, String> auth;
    final List<Pattern> include;
    final List<Pattern> exclude;
    final List<Map.Entry<Pattern, RiskTier>> risk;

    /**
     * @param config the configuration
     * @param dataDir the data directory a relative token file resolves against (may be null)
     * @param env the environment (System::getenv in the server)
     */
    ServiceSettings(OpenApiConfig config, Path dataDir, Function<String, String> env) {
        name = config.name() == null ? "" : config.name().trim();
        if (!SERVICE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name '" + name + "' must match " + SERVICE_NAME.pattern());
        }
        spec = config.spec() == null ? "" : config.spec().trim();
        if (spec.isEmpty()) {
            throw new IllegalArgumentException("spec is missing: a file path or an http(s) URL");
        }
        profile = config.spec_profile() == null || config.spec_profile().isBlank() ? "default" : config.spec_profile();
        baseUrl = config.base_url() == null ? "" : config.base_url().trim();
        String kind = config.auth() == null ? "none" : config.auth().trim().toLowerCase(Locale.ROOT);
        auth = new LinkedHashMap<>();
        switch (kind) {
            case "", "none" -> {
            }
            case "bearer" -> auth.put("Authorization", "Bearer " + secret(config, dataDir, env));
            case "api_key", "apikey", "api-key" -> {
                String header = config.auth_header() == null ? "" : config.auth_header().trim();
                if (!HEADER_NAME.matcher(header).matches()) {
                    throw new IllegalArgumentException("auth.header '" + header + "' is not a header name");
                }
                auth.put(header, secret(config, dataDir, env));
            }
            default -> throw new IllegalArgumentException("auth '" + kind + "' must be none, bearer or api_key");
        }
        include = globs(split(config.include()).isEmpty() ? new String[] {"*"} : config.include());
        exclude = globs(config.exclude() == null ? new String[0] : config.exclude());
        risk = new ArrayList<>();
        for (String entry : split(config.risk())) {
            if (entry == null || entry.isBlank()) {
                continue;
            }
            int eq = entry.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("risk entry '" + entry + "' must be glob=TIER");
            }
            RiskTier tier;
            try {
                tier = RiskTier.valueOf(entry.substring(eq + 1).trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("risk entry '" + entry + "': the tier must be one of READ, WRITE, "
                    + "EXTERNAL, DELETE, FINANCIAL");
            }
            risk.add(Map.entry(glob(entry.substring(0, eq).trim()), tier));
        }
    }

    boolean selected(String operationId, String toolName) {
        return matches(include, operationId, toolName) && !matches(exclude, operationId, toolName);
    }

    RiskTier riskOf(String operationId, String toolName) {
        for (Map.Entry<Pattern, RiskTier> entry : risk) {
            if (entry.getKey().matcher(operationId).matches() || entry.getKey().matcher(toolName).matches()) {
                return entry.getValue();
            }
        }
        return null;
    }

    static Path resolve(Path configDir, String file) {
        Path path = Path.of(file);
        return path.isAbsolute() || configDir == null ? path : configDir.resolve(path);
    }

    private static String secret(OpenApiConfig config, Path dataDir, Function<String, String> env) {
        String inline = config.auth_token() == null ? "" : config.auth_token().trim();
        String variable = config.auth_token_env() == null ? "" : config.auth_token_env().trim();
        String file = config.auth_token_file() == null ? "" : config.auth_token_file().trim();
        String value;
        if (!inline.isEmpty()) {
            value = inline;
        } else if (!variable.isEmpty()) {
            value = env.apply(variable);
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("auth.token.env: the environment variable " + variable
                    + " is not set");
            }
        } else if (!file.isEmpty()) {
            Path path = resolve(dataDir, file);
            try {
                value = Files.readString(path, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("auth.token.file: " + path + " cannot be read ("
                    + e.getClass().getSimpleName() + ")");
            }
        } else {
            throw new IllegalArgumentException("auth needs auth.token, auth.token.env or auth.token.file");
        }
        value = value.strip();
        if (value.isEmpty() || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("the auth token is empty or has control characters");
        }
        return value;
    }

    private static boolean matches(List<Pattern> globs, String operationId, String toolName) {
        return globs.stream().anyMatch(g -> g.matcher(operationId).matches() || g.matcher(toolName).matches());
    }

    private static List<Pattern> globs(String[] given) {
        List<Pattern> out = new ArrayList<>();
        for (String glob : split(given)) {
            out.add(glob(glob));
        }
        return out;
    }

    /** @return the entries, each also split at commas (a .cfg file gives a list as one comma-separated value) */
    static List<String> split(String[] given) {
        List<String> out = new ArrayList<>();
        for (String value : given == null ? new String[0] : given) {
            if (value == null) {
                continue;
            }
            for (String part : value.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out;
    }

    static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(regex.toString());
    }
}
