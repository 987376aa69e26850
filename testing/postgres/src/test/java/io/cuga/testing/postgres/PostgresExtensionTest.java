package io.cuga.testing.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresExtensionTest {

    @RegisterExtension
    static PostgresExtension pg = new PostgresExtension();

    @Test
    void aNewDatabaseAnswersOnLoopbackAndSurvivesARestart() throws Exception {
        String url = pg.newDatabase();
        assertThat(url).startsWith("jdbc:postgresql://127.0.0.1:");
        try (Connection c = DriverManager.getConnection(url, PostgresCluster.USER, "");
            Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (v INT)");
            s.execute("INSERT INTO t VALUES (42)");
        }
        pg.cluster().stop();
        assertThatThrownBy(() -> DriverManager.getConnection(url, PostgresCluster.USER, ""))
            .isInstanceOf(SQLException.class);
        pg.cluster().start();
        try (Connection c = DriverManager.getConnection(url, PostgresCluster.USER, "");
            Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM t")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
        }
    }
}
