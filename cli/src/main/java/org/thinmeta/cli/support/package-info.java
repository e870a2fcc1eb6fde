/** Shared command-line plumbing: context, exit codes, input checks, version. */
package org.thinmeta.cli.support;
