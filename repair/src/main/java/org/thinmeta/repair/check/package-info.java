/**
 * thin_check: verification of thin-pool metadata with reference-count accounting (format doc §6,
 * §7). Layer: repair; depends on {@code org.thinmeta.thin} and {@code org.thinmeta.pdata}, never on
 * the CLI.
 */
package org.thinmeta.repair.check;
