/** Space maps: reference counts in 2-bit bitmaps, their index, and the overflow ref-count tree. */
package org.thinmeta.pdata.spacemap;
