/** The intermediate representation shared by dump, restore and repair: a stream of events. */
package org.thinmeta.thin.ir;
