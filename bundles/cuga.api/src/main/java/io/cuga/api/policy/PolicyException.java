package io.cuga.api.policy;

/**
 * A policy document is invalid. Says where: the JSON-pointer path of the offending key, and, once the loader
 * has mapped the path back to the source text, the file, line and column.
 */
public class PolicyException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String path;
    private final String file;
    private final int line;
    private final int column;

    /**
     * @param path JSON pointer of the offending key within the document (for example {@code /egress/allow_cidrs/0})
     * @param message what is wrong, for people
     */
    public PolicyException(String path, String message) {
        this(path, message, null, 0, 0);
    }

    /**
     * @param path JSON pointer of the offending key
     * @param message what is wrong
     * @param file the source file, or null
     * @param line 1-based line, 0 when unknown
     * @param column 1-based column, 0 when unknown
     */
    public PolicyException(String path, String message, String file, int line, int column) {
        super(message);
        this.path = path == null ? "" : path;
        this.file = file;
        this.line = line;
        this.column = column;
    }

    /** @return the JSON pointer of the offending key, empty for the document itself */
    public String path() {
        return path;
    }

    /** @return the source file, or null */
    public String file() {
        return file;
    }

    /** @return the 1-based line, 0 when unknown */
    public int line() {
        return line;
    }

    /** @return the 1-based column, 0 when unknown */
    public int column() {
        return column;
    }

    /**
     * @param file the source file
     * @param line 1-based line
     * @param column 1-based column
     * @return the same problem, located in the source text
     */
    public PolicyException at(String file, int line, int column) {
        return new PolicyException(path, getMessage(), file, line, column);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        if (file != null) {
            out.append(file).append(':');
        }
        if (line > 0) {
            out.append(line).append(':').append(column).append(": ");
        } else if (file != null) {
            out.append(' ');
        }
        if (!path.isEmpty()) {
            out.append(path).append(": ");
        }
        return out.append(getMessage()).toString();
    }
}
