/** The thin_dump XML and human-readable formats: writers, and the StAX reader restore uses. */
package org.thinmeta.thin.xml;
