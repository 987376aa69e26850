/** The task runtime, the offline planner, the coordinator and its workers; not exported. */
package io.cuga.agents.internal;
