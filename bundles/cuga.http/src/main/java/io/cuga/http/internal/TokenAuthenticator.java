package io.cuga.http.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.auth.AuthenticatedCaller;
import io.cuga.api.auth.AuthenticationException;
import io.cuga.api.auth.Authenticator;

/**
 * Knows the accepted bearer tokens, from three sources: the environment ({@code AGENT_TOKEN},
 * {@code CUGA_APPROVER_TOKEN}, {@code CUGA_ADMIN_TOKEN}), the admin token the launcher generated under
 * {@code ${cuga.data}/secrets/admin.token} (only when {@code CUGA_ADMIN_TOKEN} is unset), and hashed entries in
 * configuration {@value #PID}. Only SHA-256 hashes are kept. A configuration change swaps the whole table at
 * once; requests in flight finish with the table they started with. It is also registered as
 * {@link Authenticator}, so that other HTTP surfaces (the MCP server) authenticate callers exactly as this API does.
 */
@Component(service = {TokenAuthenticator.class, Authenticator.class}, configurationPid = TokenAuthenticator.PID)
@Designate(ocd = TokenAuthenticator.Config.class)
public final class TokenAuthenticator implements Authenticator {

    /** The configuration PID. */
    static final String PID = "cuga.auth";

    /** Environment variable of the agent token. */
    static final String ENV_AGENT = "AGENT_TOKEN";
    /** Environment variable of the approver token. */
    static final String ENV_APPROVER = "CUGA_APPROVER_TOKEN";
    /** Environment variable of the admin token. */
    static final String ENV_ADMIN = "CUGA_ADMIN_TOKEN";

    private static final Logger LOG = LoggerFactory.getLogger(TokenAuthenticator.class);

    /** The bearer tokens this server accepts. */
    @ObjectClassDefinition(name = "cuga API tokens",
        description = "Bearer tokens of the HTTP API, stored as SHA-256 hashes. Environment tokens "
            + "(AGENT_TOKEN, CUGA_APPROVER_TOKEN, CUGA_ADMIN_TOKEN) and the generated admin token are added "
            + "to these.")
    public @interface Config {

        /**
         * @return token entries {@code <principal>:<role>:<profile>:sha256:<hex>}, several per value when
         *     separated by commas
         */
        @AttributeDefinition(name = "Tokens",
            description = "Entries <principal>:<role>:<profile>:sha256:<64 hex digits>, separated by commas. "
                + "role is agent, approver or admin; profile is a profile name, or * to let the caller "
                + "choose one with X-Cuga-Profile. Hash a token with: printf %s \"$TOKEN\" | sha256sum")
        String[] tokens() default {};

        /** @return whether AGENT_TOKEN, CUGA_APPROVER_TOKEN and CUGA_ADMIN_TOKEN are read */
        @AttributeDefinition(name = "Environment tokens",
            description = "Accept the tokens in AGENT_TOKEN, CUGA_APPROVER_TOKEN and CUGA_ADMIN_TOKEN, and "
                + "the generated admin token file.")
        boolean environment_tokens() default true;

        /** @return the profile of environment and generated tokens */
        @AttributeDefinition(name = "Profile of environment tokens",
            description = "The profile environment tokens and the generated admin token run under; * lets "
                + "their callers choose any profile with X-Cuga-Profile (default profile: default).")
        String env_token_profile() default Identity.DEFAULT_PROFILE;

        /** @return the generated admin token file, empty for the default location */
        @AttributeDefinition(name = "Admin token file",
            description = "The generated admin token, read when CUGA_ADMIN_TOKEN is unset. Empty means "
                + "${cuga.data}/secrets/admin.token.")
        String admin_token_file() default "";
    }

    private final Map<String, String> environment;
    private final String dataDir;
    private final BiPredicate<byte[], byte[]> equality;
    private volatile TokenTable table = TokenTable.EMPTY;

    /**
     * Activates with the process environment and the framework's {@code cuga.data}.
     *
     * @param config the configuration
     * @param context the bundle context, for {@code cuga.data}
     */
    @Activate
    public TokenAuthenticator(Config config, BundleContext context) {
        this(config, System.getenv(), context.getProperty("cuga.data"), TokenTable.CONSTANT_TIME);
    }

    /**
     * @param config the configuration
     * @param environment the environment variables to read tokens from
     * @param dataDir the data directory, or null when unknown
     * @param equality the hash comparison ({@link TokenTable#CONSTANT_TIME} in production)
     */
    TokenAuthenticator(Config config, Map<String, String> environment, String dataDir,
        BiPredicate<byte[], byte[]> equality) {
        this.environment = Map.copyOf(environment);
        this.dataDir = dataDir;
        this.equality = equality;
        modified(config);
    }

    /**
     * Rebuilds the table from the new configuration (and re-reads the environment snapshot and token file).
     *
     * @param config the configuration
     */
    @Modified
    void modified(Config config) {
        TokenTable next = build(config);
        table = next;
        if (next.identities().isEmpty()) {
            LOG.warn("No bearer token is configured: every protected API route answers 401. Set AGENT_TOKEN / "
                + "CUGA_ADMIN_TOKEN or add hashed tokens to {}", PID);
        } else {
            StringBuilder who = new StringBuilder();
            for (Identity id : next.identities()) {
                who.append(who.length() == 0 ? "" : ", ").append(id.principal()).append('/')
                    .append(id.role().label()).append(" (").append(id.source()).append(')');
            }
            LOG.info("Accepting {} bearer token(s): {}", next.identities().size(), who);
        }
    }

    /**
     * @param token the bearer token as presented
     * @return who it belongs to, or null when it is not accepted
     */
    Identity authenticate(String token) {
        return table.authenticate(token);
    }

    @Override
    public AuthenticatedCaller authenticate(String authorization, String profile, String session,
        io.cuga.api.auth.Role required) throws AuthenticationException {
        try {
            Caller caller = Auth.caller(this, authorization, profile, session, Role.valueOf(required.name()));
            return new AuthenticatedCaller(caller.identity().principal(),
                io.cuga.api.auth.Role.valueOf(caller.identity().role().name()), caller.profile(), caller.session());
        } catch (ApiException e) {
            throw new AuthenticationException(e.status(), e.code(), e.getMessage(), e.details(),
                e.headers().get("WWW-Authenticate"));
        }
    }

    /** @return the current table */
    TokenTable table() {
        return table;
    }

    private TokenTable build(Config config) {
        List<TokenTable.Entry> entries = new ArrayList<>();
        String envProfile = config.env_token_profile() == null ? Identity.DEFAULT_PROFILE
            : config.env_token_profile().trim();
        if (!Identity.ANY_PROFILE.equals(envProfile) && !Names.isProfile(envProfile)) {
            LOG.warn("{}: env.token.profile '{}' is not a valid profile name; using '{}'", PID, envProfile,
                Identity.DEFAULT_PROFILE);
            envProfile = Identity.DEFAULT_PROFILE;
        }
        if (config.environment_tokens()) {
            addEnv(entries, ENV_AGENT, "agent", Role.AGENT, envProfile);
            addEnv(entries, ENV_APPROVER, "approver", Role.APPROVER, envProfile);
            if (!addEnv(entries, ENV_ADMIN, "admin", Role.ADMIN, envProfile)) {
                addAdminFile(entries, config.admin_token_file(), envProfile);
            }
        }
        int index = 0;
        for (String value : config.tokens()) {
            for (String raw : splitEntries(value)) {
                index++;
                TokenTable.Entry entry = parseEntry(raw, index);
                if (entry != null) {
                    entries.add(entry);
                }
            }
        }
        return new TokenTable(entries, equality);
    }

    private boolean addEnv(List<TokenTable.Entry> entries, String variable, String principal, Role role,
        String profile) {
        String token = environment.get(variable);
        if (token == null || token.isBlank()) {
            return false;
        }
        entries.add(new TokenTable.Entry(TokenTable.sha256(token.trim()),
            new Identity(principal, role, profile, "env:" + variable)));
        return true;
    }

    private void addAdminFile(List<TokenTable.Entry> entries, String configured, String profile) {
        Path file;
        if (configured != null && !configured.isBlank()) {
            file = Path.of(configured.trim());
        } else if (dataDir != null && !dataDir.isBlank()) {
            file = Path.of(dataDir, "secrets", "admin.token");
        } else {
            return;
        }
        if (!Files.isRegularFile(file)) {
            LOG.debug("No generated admin token at {}", file);
            return;
        }
        try {
            String token = null;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    token = line.trim();
                    break;
                }
            }
            if (token == null) {
                LOG.warn("The admin token file {} is empty; no generated admin token is accepted", file);
                return;
            }
            entries.add(new TokenTable.Entry(TokenTable.sha256(token),
                new Identity("admin", Role.ADMIN, profile, "file:" + file)));
        } catch (IOException e) {
            LOG.warn("Cannot read the admin token file {}: {}", file, e.toString());
        }
    }

    /**
     * @param value one configured value, holding entries separated by commas or white space
     * @return the entries, trimmed, without empty ones
     */
    static List<String> splitEntries(String value) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        int start = -1;
        for (int i = 0; i <= value.length(); i++) {
            boolean separator = i == value.length() || value.charAt(i) == ',' || Character.isWhitespace(
                value.charAt(i));
            if (separator) {
                if (start >= 0) {
                    out.add(value.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
        }
        return out;
    }

    /**
     * @param raw an entry {@code <principal>:<role>:<profile>:sha256:<hex>}
     * @param index its position, for the log
     * @return the entry, or null (logged) when it is malformed
     */
    static TokenTable.Entry parseEntry(String raw, int index) {
        String[] parts = raw.split(":", -1);
        if (parts.length != 5) {
            LOG.warn("{}: token entry #{} ignored: expected <principal>:<role>:<profile>:sha256:<hex>, "
                + "found {} field(s)", PID, index, parts.length);
            return null;
        }
        String principal = parts[0];
        if (!Names.isPrincipal(principal)) {
            LOG.warn("{}: token entry #{} ignored: principal must be 1-128 of A-Z a-z 0-9 . _ - @", PID, index);
            return null;
        }
        Role role = Role.parse(parts[1]);
        if (role == null) {
            LOG.warn("{}: token entry #{} ({}) ignored: role '{}' is not agent, approver or admin", PID, index,
                principal, parts[1]);
            return null;
        }
        String profile = parts[2];
        if (!Identity.ANY_PROFILE.equals(profile) && !Names.isProfile(profile)) {
            LOG.warn("{}: token entry #{} ({}) ignored: profile must be * or 1-64 of A-Z a-z 0-9 . _ -", PID,
                index, principal);
            return null;
        }
        if (!"sha256".equalsIgnoreCase(parts[3])) {
            LOG.warn("{}: token entry #{} ({}) ignored: only sha256 hashes are supported, not '{}'", PID, index,
                principal, parts[3]);
            return null;
        }
        byte[] hash;
        try {
            hash = parts[4].length() == 64 ? HexFormat.of().parseHex(parts[4]) : null;
        } catch (IllegalArgumentException e) {
            hash = null;
        }
        if (hash == null) {
            LOG.warn("{}: token entry #{} ({}) ignored: the hash must be 64 hex digits "
                + "(printf %s \"$TOKEN\" | sha256sum)", PID, index, principal);
            return null;
        }
        return new TokenTable.Entry(hash, new Identity(principal, role, profile, PID + "#" + index));
    }
}
