/**
 * Outbound network access under the egress policy. Tools reach the network only through the platform's
 * checked client, whose every connection (and every redirect) is checked on the resolved address.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.cuga.api.net;
