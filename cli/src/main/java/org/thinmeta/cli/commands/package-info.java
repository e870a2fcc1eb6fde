/** One picocli command per tool. */
package org.thinmeta.cli.commands;
