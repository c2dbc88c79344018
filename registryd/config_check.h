/*
 * config_check.h - what start-up would refuse in a parsed configuration, found before
 * anything is bound or opened (so that --check-config says what a start would say).
 */
#ifndef REGISTRYD_CONFIG_CHECK_H
#define REGISTRYD_CONFIG_CHECK_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

/*
 * Checks c against the system: every --listen URL has a known scheme (tcp://, tls+tcp://,
 * ipc://) and a port in 0..65535, the --metrics-listen port too, the TLS files can be read,
 * and --data, if it exists, is a directory. Binding is not tried. Prints the first problem
 * to err as "registryd: ..." and returns false; true if none.
 */
bool config_check(const struct config *c, FILE *err);

#endif
