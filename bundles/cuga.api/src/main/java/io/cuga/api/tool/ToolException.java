package io.cuga.api.tool;

/**
 * An error a tool reports to its caller. The message is shown to the caller as is, so it must be safe to show
 * (no secrets, no stack traces) and say what was wrong with the input or the outside world. The call ends
 * {@link io.cuga.api.dispatch.CallOutcome.Status#TOOL_ERROR} (HTTP 400) with this code and message; any other
 * exception from a tool ends {@code TOOL_FAILED} (HTTP 500) naming the tool and the exception class only.
 */
public class ToolException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String code;

    /**
     * @param code a short machine-readable code such as {@code division_by_zero}
     * @param message a human-readable message, safe to show to the caller
     */
    public ToolException(String code, String message) {
        super(message);
        this.code = code;
    }

    /**
     * @param code a short machine-readable code
     * @param message a human-readable message, safe to show to the caller
     * @param cause the underlying cause, logged but never shown
     */
    public ToolException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** @return the machine-readable code */
    public String code() {
        return code;
    }
}
