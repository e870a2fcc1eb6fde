/** thin_restore: writes a fresh metadata image from XML or any stream of metadata events. */
package org.thinmeta.repair.restore;
