package io.cuga.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GlobsTest {

    @Test
    void emptyListMatchesNothing() {
        assertThat(Globs.parse().matches("calculator")).isFalse();
        assertThat(Globs.parse("").matches("")).isFalse();
        assertThat(Globs.parse((String[]) null).matches("x")).isFalse();
    }

    @Test
    void starAndQuestionMark() {
        Globs globs = Globs.parse("sample_*", "calc?lator");
        assertThat(globs.matches("sample_echo")).isTrue();
        assertThat(globs.matches("sample_")).isTrue();
        assertThat(globs.matches("calculator")).isTrue();
        assertThat(globs.matches("calcXXlator")).isFalse();
        assertThat(globs.matches("xsample_echo")).isFalse();
    }

    @Test
    void commaAndSpaceSeparatedValuesFromACfgFile() {
        Globs globs = Globs.parse("calculator, sample_*  http_get");
        assertThat(globs.patterns()).containsExactly("calculator", "sample_*", "http_get");
        assertThat(globs.matches("http_get")).isTrue();
    }

    @Test
    void regexCharactersAreLiteral() {
        Globs globs = Globs.parse("cuga.tool.*");
        assertThat(globs.matches("cuga.tool.calculator")).isTrue();
        assertThat(globs.matches("cugaXtoolXcalculator")).isFalse();
        assertThat(Globs.parse("a+b").matches("aab")).isFalse();
        assertThat(Globs.parse("a+b").matches("a+b")).isTrue();
    }
}
