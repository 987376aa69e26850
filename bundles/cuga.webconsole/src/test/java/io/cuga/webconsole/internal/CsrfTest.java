package io.cuga.webconsole.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CsrfTest {

    private static final String TOKEN = "tok-0123456789abcdef";

    @Test
    void aFormOfThisServerWithTheSessionTokenPasses() {
        assertThat(Csrf.problem("http", "127.0.0.1:8080", "http://127.0.0.1:8080", null, TOKEN, TOKEN)).isNull();
        assertThat(Csrf.problem("http", "127.0.0.1:8080", null, "http://127.0.0.1:8080/system/console/cuga-tools",
            TOKEN, TOKEN)).isNull();
        // a default port may be written or not, host names are case-insensitive
        assertThat(Csrf.problem("http", "Example.org", "http://example.org:80", null, TOKEN, TOKEN)).isNull();
        assertThat(Csrf.problem("https", "example.org:443", "https://example.org", null, TOKEN, TOKEN)).isNull();
    }

    @Test
    void anotherSiteIsRefusedEvenWithTheRightToken() {
        assertThat(Csrf.problem("http", "127.0.0.1:8080", "http://evil.example", null, TOKEN, TOKEN))
            .contains("another site");
        assertThat(Csrf.problem("http", "127.0.0.1:8080", "http://127.0.0.1:8081", null, TOKEN, TOKEN))
            .contains("another site");
        assertThat(Csrf.problem("http", "127.0.0.1:8080", "https://127.0.0.1:8080", null, TOKEN, TOKEN))
            .contains("another site");
        assertThat(Csrf.problem("http", "127.0.0.1:8080", "null", null, TOKEN, TOKEN)).contains("another site");
        assertThat(Csrf.problem("http", "127.0.0.1:8080", null, "http://127.0.0.1:8080.evil.example/x", TOKEN,
            TOKEN)).contains("another site");
        assertThat(Csrf.problem("http", "127.0.0.1:8080", null, "http://user@127.0.0.1:8080/x", TOKEN, TOKEN))
            .contains("another site");
        // Origin wins over a matching Referer
        assertThat(Csrf.problem("http", "h:1", "http://evil", "http://h:1/x", TOKEN, TOKEN)).contains("another site");
    }

    @Test
    void withoutOriginAndRefererOrHostTheFormIsRefused() {
        assertThat(Csrf.problem("http", "h:1", null, null, TOKEN, TOKEN)).contains("neither Origin nor Referer");
        assertThat(Csrf.problem("http", null, "http://h:1", null, TOKEN, TOKEN)).contains("no Host");
    }

    @Test
    void aMissingWrongOrSessionlessTokenIsRefused() {
        assertThat(Csrf.problem("http", "h:1", "http://h:1", null, TOKEN, null)).contains("token");
        assertThat(Csrf.problem("http", "h:1", "http://h:1", null, TOKEN, TOKEN + "x")).contains("token");
        assertThat(Csrf.problem("http", "h:1", "http://h:1", null, TOKEN, "")).contains("token");
        assertThat(Csrf.problem("http", "h:1", "http://h:1", null, null, TOKEN)).contains("session has expired");
    }
}
