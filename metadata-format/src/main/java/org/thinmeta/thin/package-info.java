/** Thin-provisioning metadata: superblock, device details, mapping trees and XML. */
package org.thinmeta.thin;
