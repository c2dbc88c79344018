/*
 * config_file.h - registryd's configuration file, merged with the command line.
 *
 * The file holds "key = value" lines; the keys are the long options without their dashes
 * (config_long_options()), "#" starts a comment (at the start of a line, or after a blank),
 * values may be "quoted". A switch takes true/false (yes/no, on/off). Every key may appear
 * once, except listen. The file's options come first and the command line's after them, so
 * a flag overrides its key; --listen on the command line replaces every listen of the file.
 * The environment plays no part.
 */
#ifndef REGISTRYD_CONFIG_FILE_H
#define REGISTRYD_CONFIG_FILE_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

/* Read when it exists and no --config is given (config.h: STDREG_SYSCONFDIR). */
#define CONFIG_DEFAULT_FILE CONFIG_DEFAULT_FILE_TEXT

/* What the strings of a loaded struct config point into: keep it as long as the config. */
struct config_args {
	char *text;  /* the file's bytes, cut into keys and values */
	char *flags; /* the file's keys as "--key" strings */
	char **argv; /* the merged command line */
	int argc;
};

/*
 * Reads the configuration file (--config FILE; or CONFIG_DEFAULT_FILE when it exists and
 * default_file is true) and parses it with the command line argv into *c.
 * With --check-config, prints "registryd: configuration ok" (or the error) and returns
 * CONFIG_EXIT (or CONFIG_USAGE) without starting anything. A file that cannot be read, an
 * unknown key, a key without a value, a bad value or a repeated key is CONFIG_USAGE, with
 * "registryd: FILE:LINE: what" on err. Release keep with config_args_release() in every case.
 */
enum config_result config_load(struct config *c, struct config_args *keep, int argc, char **argv,
                               bool default_file, FILE *out, FILE *err);

/* Frees what keep holds; a zeroed keep is allowed. */
void config_args_release(struct config_args *keep);

#endif
