/** Block I/O over files, block devices and memory. */
package org.thinmeta.pdata.io;
