/**
 * The sample tool. The manifest header below names this build's flavour; the end-to-end test rewrites it, with
 * Bundle-Version, to make a "version 2" jar and drops that into deploy/.
 */
@org.osgi.annotation.bundle.Header(name = SampleEchoTool.FLAVOUR_HEADER, value = "original")
package io.cuga.tool.sample.internal;
