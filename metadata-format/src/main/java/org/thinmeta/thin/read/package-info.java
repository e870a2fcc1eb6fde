/** Reading thin metadata: superblocks, device details, mapping trees, and the dump walk. */
package org.thinmeta.thin.read;
