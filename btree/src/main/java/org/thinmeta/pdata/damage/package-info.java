/** Typed damage reports shared by check, dump and repair. */
package org.thinmeta.pdata.damage;
