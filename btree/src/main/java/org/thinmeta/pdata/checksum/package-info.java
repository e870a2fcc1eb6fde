/** CRC32C block checksums with per-kind salts. */
package org.thinmeta.pdata.checksum;
