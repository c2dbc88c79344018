/*
 * regctl.h - what the files of regctl share. Not installed.
 *
 * main.c      global options, help, the noun and verb tables, dispatch
 * nouns.c     per noun: flags -> fields, list filters, table columns
 * flags.c     verb flag parsing driven by those tables
 * cmd_record.c list / get / put / delete for every noun
 * output.c    table, json, jsonl and csv output
 * errors.c    status -> exit code and the one-line error message
 */
#ifndef STDREG_REGCTL_H
#define STDREG_REGCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>

#include "stdreg.h"

/* Exit codes: a contract with scripts, printed by regctl --help. */
enum regctl_exit {
	EXIT_OK = 0,
	EXIT_SERVER = 1,      /* the server refused or failed (any other status) */
	EXIT_USAGE = 2,       /* bad flags or input (local or INVALID_ARGUMENT): nothing changed */
	EXIT_UNAVAILABLE = 3, /* cannot connect, connection lost, deadline exceeded */
	EXIT_NOT_FOUND = 4,
	EXIT_EXISTS = 5,
	EXIT_CONFLICT = 6,     /* ABORTED: the record changed (revision mismatch) */
	EXIT_PRECONDITION = 7, /* FAILED_PRECONDITION, e.g. the record is referenced */
	EXIT_DENIED = 8,       /* PERMISSION_DENIED or UNAUTHENTICATED */
};

enum out_format { OUT_TABLE, OUT_JSON, OUT_JSONL, OUT_CSV };

/* Global options, after the environment and the command line. */
struct globals {
	const char *endpoint;
	const char *token;
	uint32_t timeout_ms;
	enum out_format out;
};

/* A command-line flag that sets a field: "--name-sv" -> "name_sv". */
struct flag_def {
	const char *flag;  /* without the dashes */
	const char *field; /* proto field name */
};

/* A column of the list table. */
struct column {
	const char *header;
	const char *field;
};

struct noun {
	const char *name;                  /* also the name of the stdreg_kind */
	const struct flag_def *put_flags;  /* fields of the record; NULL-terminated */
	const struct flag_def *list_flags; /* fields of stdreg.v1.ListRequest; NULL-terminated */
	const struct column *columns;      /* NULL-terminated */
};

extern const struct noun regctl_nouns[]; /* ends with a zeroed entry */
const struct noun *noun_find(const char *name);

/* The options every verb may take, as a bit set in the verb table. */
enum verb_opt {
	VOPT_FIELDS = 1 << 0,   /* the noun's put flags */
	VOPT_FILTERS = 1 << 1,  /* the noun's list filters */
	VOPT_FILE = 1 << 2,     /* -f FILE */
	VOPT_CREATE = 1 << 3,   /* --create */
	VOPT_IF_REV = 1 << 4,   /* --if-revision N */
	VOPT_DECISION = 1 << 5, /* --decision REF */
	VOPT_LIMIT = 1 << 6,    /* --limit N */
};

/* The global options, as getopt_long values, for the global and the verb parsers. */
enum {
	GOPT_ENDPOINT = 256,
	GOPT_TOKEN,
	GOPT_TIMEOUT,
	GOPT_VERSION,
};
extern const struct option regctl_global_opts[]; /* ends with a zeroed entry */
#define GLOBAL_OPTS_COUNT 6

/* Applies global option c (GOPT_* or 'o') with arg. On a bad value prints one line and
 * returns -1. */
int global_opt(struct globals *g, int c, const char *arg);

/* What a verb's command line said. */
struct verb_args {
	json_t *fields; /* field name -> JSON value, from the flag table (owned) */
	const char *file;
	bool create;
	bool has_if_revision;
	uint64_t if_revision;
	const char *decision;
	uint32_t limit; /* 0 = all pages */
	char **pos;     /* positional arguments (borrowed from argv) */
	int npos;
	bool help;
};

/*
 * Parses argv (argv[0] is the verb) against the verb's options, the noun's flag tables and
 * the global options (accepted after the verb too: "regctl area get ai -o json").
 * On a usage error prints one line and returns EXIT_USAGE; else fills a (release with
 * verb_args_release) and returns 0.
 */
int verb_args_parse(struct globals *g, const struct noun *n, const char *verb, unsigned opts,
                    int argc, char **argv, struct verb_args *a);
void verb_args_release(struct verb_args *a);

/* The descriptor the flags of a table set: the record for put flags, ListRequest for filters. */
const ProtobufCMessageDescriptor *flag_table_desc(const struct noun *n,
                                                  const struct flag_def *table);

/* Writes the flag lines of the noun help for one table. */
void flags_help(FILE *f, const struct noun *n, const struct flag_def *table);

/* Prints the usage of one noun: its verbs, flags and filters. */
void noun_help(FILE *f, const struct noun *n);

/* Commands. argv[0] is the verb. Each returns an exit code. */
int cmd_list(struct globals *g, const struct noun *n, int argc, char **argv);
int cmd_get(struct globals *g, const struct noun *n, int argc, char **argv);
int cmd_put(struct globals *g, const struct noun *n, int argc, char **argv);
int cmd_delete(struct globals *g, const struct noun *n, int argc, char **argv);

/* Output. Each returns 0, or -1 when writing failed. rec/recs are borrowed. */
int out_record(FILE *f, enum out_format fmt, const struct noun *n, json_t *rec);
int out_list(FILE *f, enum out_format fmt, const struct noun *n, json_t *recs);
/* Writes s as one RFC 4180 CSV field (quoted when it holds a comma, quote, CR or LF). */
void csv_field(FILE *f, const char *s);
/* The text of a JSON value in a table or CSV cell; arrays joined with sep. malloc'd. */
char *cell_text(const json_t *v, const char *sep);

/* Prints "regctl: <fmt>" and a newline on stderr. */
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The exit code for a failed status. */
int exit_code_of(const struct stdreg_status *st);
/* Prints the one-line error for a failed call ("cannot get area 'ai' (not found)") and
 * returns its exit code. what is the action: "get area 'ai'". */
int fail_status(const char *what, const struct stdreg_status *st);
/* Writes the exit code table (for --help). */
void exit_codes_help(FILE *f);

/* Opens a client with the global options; on failure prints and returns the exit code. */
int open_client(const struct globals *g, stdreg_client **c);

#endif
