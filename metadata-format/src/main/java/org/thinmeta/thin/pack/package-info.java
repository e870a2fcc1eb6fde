/**
 * The thin_metadata_pack file format (format doc §10.6–10.7): a header, then zlib chunks of (block
 * number, instruction stream) records that rebuild each checksummed metadata block.
 */
package org.thinmeta.thin.pack;
