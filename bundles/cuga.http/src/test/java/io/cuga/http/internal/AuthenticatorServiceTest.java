package io.cuga.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.auth.AuthenticatedCaller;
import io.cuga.api.auth.AuthenticationException;
import io.cuga.api.auth.Authenticator;
import io.cuga.api.auth.Role;

/** The shared {@link Authenticator} service resolves callers exactly as the REST routes do. */
class AuthenticatorServiceTest {

    private static final String AGENT = "agent-token-1";
    private static final String BOB = "bob-token-1";

    private final Authenticator auth = new TokenAuthenticator(Configs.of(TokenAuthenticator.Config.class,
        Map.of("tokens", new String[] {"bob:agent:ops:sha256:" + TokenTable.sha256Hex(BOB)},
            "env_token_profile", "*")), Map.of("AGENT_TOKEN", AGENT), null, TokenTable.CONSTANT_TIME);

    @Test
    void acceptsAValidTokenWithItsProfileAndSession() throws Exception {
        AuthenticatedCaller bob = auth.authenticate("Bearer " + BOB, null, "s-1", Role.AGENT);
        assertThat(bob).isEqualTo(new AuthenticatedCaller("bob", Role.AGENT, "ops", "s-1"));
        AuthenticatedCaller agent = auth.authenticate("bearer " + AGENT, "gated", null, Role.AGENT);
        assertThat(agent.profile()).isEqualTo("gated");
        assertThat(agent.session()).isEmpty();
    }

    @Test
    void refusesAsTheRestApiDoes() {
        AuthenticationException none = catchThrowableOfType(AuthenticationException.class,
            () -> auth.authenticate(null, null, null, Role.AGENT));
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.challenge()).startsWith("Bearer realm=\"cuga\"");
        AuthenticationException wrong = catchThrowableOfType(AuthenticationException.class,
            () -> auth.authenticate("Bearer nope", null, null, Role.AGENT));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.challenge()).contains("invalid_token");
        AuthenticationException profile = catchThrowableOfType(AuthenticationException.class,
            () -> auth.authenticate("Bearer " + BOB, "default", null, Role.AGENT));
        assertThat(profile.status()).isEqualTo(403);
        assertThat(profile.details()).containsEntry("profile", "default");
        AuthenticationException role = catchThrowableOfType(AuthenticationException.class,
            () -> auth.authenticate("Bearer " + BOB, null, null, Role.APPROVER));
        assertThat(role.status()).isEqualTo(403);
        AuthenticationException header = catchThrowableOfType(AuthenticationException.class,
            () -> auth.authenticate("Bearer " + AGENT, "bad profile!", null, Role.AGENT));
        assertThat(header.status()).isEqualTo(400);
        assertThat(header.code()).isEqualTo("invalid_header");
    }
}
