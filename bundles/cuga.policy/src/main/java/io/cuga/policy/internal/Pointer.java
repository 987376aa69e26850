package io.cuga.policy.internal;

/** JSON pointers (RFC 6901) as the loader uses them: {@code ""} is the document, {@code /a/0} a path in it. */
final class Pointer {

    private Pointer() {
    }

    /**
     * @param parent a pointer
     * @param key a map key
     * @return the pointer of that key under {@code parent}
     */
    static String child(String parent, String key) {
        return parent + '/' + escape(key);
    }

    /**
     * @param parent a pointer
     * @param index a list index
     * @return the pointer of that item under {@code parent}
     */
    static String child(String parent, int index) {
        return parent + '/' + index;
    }

    /**
     * @param pointer a pointer, not empty
     * @return the pointer of its parent ({@code ""} for a top-level key)
     */
    static String parent(String pointer) {
        int slash = pointer.lastIndexOf('/');
        return slash <= 0 ? "" : pointer.substring(0, slash);
    }

    /**
     * @param section a pointer relative to a section, as a guardrail reports it ({@code ""}, {@code /a/0}, or
     *     {@code a/0} without the leading slash)
     * @param type the section's key
     * @return the pointer within the whole document
     */
    static String inSection(String type, String section) {
        String base = child("", type);
        if (section == null || section.isEmpty() || "/".equals(section)) {
            return base;
        }
        return section.charAt(0) == '/' ? base + section : base + '/' + section;
    }

    /**
     * @param key a map key
     * @return the key escaped for a pointer ({@code ~} as {@code ~0}, {@code /} as {@code ~1})
     */
    static String escape(String key) {
        if (key.indexOf('~') < 0 && key.indexOf('/') < 0) {
            return key;
        }
        return key.replace("~", "~0").replace("/", "~1");
    }
}
