/*
 * methods.h - the method table (methods.c): which handler runs a method and on what terms.
 */
#ifndef REGISTRYD_METHODS_H
#define REGISTRYD_METHODS_H

#include "call.h"

/* The row of a full method name ("/stdreg.v1.Registry/GetArea"), NULL if none. */
const struct method *method_find(const char *name);

#endif
