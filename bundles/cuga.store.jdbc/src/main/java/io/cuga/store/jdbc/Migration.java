package io.cuga.store.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One numbered schema change: SQL statements separated by a semicolon at the end of a line, run in one
 * transaction and recorded in {@code cuga_schema_version}.
 *
 * @param version its number, from 1, without gaps
 * @param description what it does (its first comment line)
 * @param sql the statements
 */
public record Migration(int version, String description, String sql) {

    /** Checks the fields. */
    public Migration {
        if (version < 1) {
            throw new IllegalArgumentException("migration versions start at 1");
        }
        Objects.requireNonNull(sql, "sql");
        description = description == null ? "" : description;
    }

    /**
     * @param dialect the database
     * @return the dialect's migrations from the class path ({@code 1.sql}, {@code 2.sql}, ... up to the first
     *     missing number), in order
     */
    public static List<Migration> of(Dialect dialect) {
        List<Migration> migrations = new ArrayList<>();
        ClassLoader loader = Migration.class.getClassLoader();
        for (int v = 1;; v++) {
            try (InputStream in = loader.getResourceAsStream(dialect.migrationsFolder() + v + ".sql")) {
                if (in == null) {
                    return List.copyOf(migrations);
                }
                String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                String first = sql.lines().findFirst().orElse("");
                migrations.add(new Migration(v, first.startsWith("--") ? first.substring(2).trim() : "", sql));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read migration " + v + " of " + dialect.id(), e);
            }
        }
    }

    /** @return the statements, without comment lines */
    public List<String> statements() {
        StringBuilder current = new StringBuilder();
        List<String> statements = new ArrayList<>();
        for (String line : sql.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("--") || trimmed.isEmpty()) {
                continue;
            }
            if (trimmed.endsWith(";")) {
                current.append(trimmed, 0, trimmed.length() - 1);
                statements.add(current.toString());
                current.setLength(0);
            } else {
                current.append(trimmed).append('\n');
            }
        }
        if (!current.toString().isBlank()) {
            statements.add(current.toString());
        }
        return statements;
    }
}
