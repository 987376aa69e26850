/** Readiness: what must hold before the server takes traffic. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.cuga.api.health;
