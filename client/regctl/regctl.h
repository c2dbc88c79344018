/*
 * regctl.h - what the files of regctl share. Not installed.
 *
 * main.c      global options, help, the noun and verb tables, dispatch
 * nouns.c     per noun: flags -> fields, list filters, table columns
 * flags.c     verb flag parsing driven by those tables
 * cmd_record.c list / get / put / delete for every noun
 * output.c    table, json, jsonl and csv output
 * errors.c    status -> exit code and the one-line error message
 * commands.c  the command table (assign, gaps, watch, apply, ...) and its help
 * cmd_args.c  command flag parsing driven by that table
 * cmd_query.c the commands that are one call: workflow and follow-up questions
 * out_follow.c their tables (mine, gaps, as-of, history, report, transfer)
 * cmd_watch.c watch; watch.c its resume logic
 * cmd_apply.c apply; bulk_read.c JSON Lines and CSV files -> records; csv.c the CSV reader;
 *             progress.c the progress bar
 * cmd_export.c export
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
	EXIT_EXHAUSTED = 9,    /* RESOURCE_EXHAUSTED: store full (quota, disk) or a limit */
};

enum out_format { OUT_TABLE, OUT_JSON, OUT_JSONL, OUT_CSV };

/* Global options, after the environment and the command line. */
struct globals {
	const char *endpoint;
	const char *token;
	const char *cacert; /* tls+tcp://: PEM files (NULL = none) */
	const char *cert;
	const char *key;
	uint32_t timeout_ms;
	enum out_format out;
	bool out_given; /* -o was on the command line (else out is the default, table) */
};

/* A command-line flag that sets a field: "--name-sv" -> "name_sv". */
struct flag_def {
	const char *flag;  /* without the dashes */
	const char *field; /* proto field name */
};

/* A column of a table. */
struct column {
	const char *header;
	const char *field; /* "name", or a path into nested objects: "area.rank" */
	const char *empty; /* the text of an absent value; NULL = "-" (numbers: "0") */
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
	VOPT_LIMIT = 1 << 6,    /* --limit N, --page-token T */
};

/* The global options, as getopt_long values, for the global and the verb parsers. */
enum {
	GOPT_ENDPOINT = 256,
	GOPT_TOKEN,
	GOPT_TIMEOUT,
	GOPT_VERSION,
	GOPT_CACERT,
	GOPT_CERT,
	GOPT_KEY,
};
extern const struct option regctl_global_opts[]; /* ends with a zeroed entry */
#define GLOBAL_OPTS_COUNT 9

/* Applies global option c (GOPT_* or 'o') with arg. On a bad value prints one line and
 * returns -1. */
int global_opt(struct globals *g, int c, const char *arg);
/* Is c (a getopt_long value) one of the global options global_opt() applies? Every parser
 * (before the noun, and each verb's) accepts them, so there is one list of them. */
bool is_global_opt(int c);

/* What a verb's command line said. */
struct verb_args {
	json_t *fields; /* field name -> JSON value, from the flag table (owned) */
	const char *file;
	bool create;
	bool has_if_revision;
	uint64_t if_revision;
	const char *decision;
	uint32_t limit;         /* 0 = all pages */
	const char *page_token; /* --page-token: start at this page (NULL = the first) */
	char **pos;             /* positional arguments (borrowed from argv) */
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

/* Names the flags of table instead of their proto fields in st's message and violations
 * ("stage_from '40' is not NN.NN" -> "--stage-from '40' is not NN.NN"), so an error about a
 * flag's value names the flag the user typed. */
void status_name_flags(struct stdreg_status *st, const struct flag_def *table);

/* Writes the flag lines of the noun help for one table. */
void flags_help(FILE *f, const struct noun *n, const struct flag_def *table);

/* Refuses a put whose flags set a field the store derives for this record (an item's
 * --status under the iso stage scheme, where the stage decides it): prints one line and
 * returns EXIT_USAGE; else 0. rec is the record put would send. */
int noun_check_put(const struct noun *n, const json_t *flags, const ProtobufCMessage *rec);

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
/* CSV of records of d: a header of its scalar and list field names, then one row each. */
void out_csv_records(FILE *f, const ProtobufCMessageDescriptor *d, json_t *recs);
/* An aligned table of recs (an array of objects) with a header row. Returns 0 or -1. */
int out_table(FILE *f, const struct column *cols, const json_t *recs);
/* The value at a dotted path ("area.rank") of object o; NULL when absent. Borrowed. */
json_t *json_path(const json_t *o, const char *path);
/* CSV of rows (objects): a header of the columns' paths, then one row each. 0 or -1. */
int out_csv_columns(FILE *f, const struct column *cols, const json_t *rows);
/* Writes s as one RFC 4180 CSV field (quoted when it holds a comma, quote, CR or LF). */
void csv_field(FILE *f, const char *s);
/* Joins the values of a list in every output that is text (get, tables, CSV): apply reads
 * CSV lists with it, and ids never hold it. */
#define LIST_SEP ";"
/* The text of a JSON value in a table or CSV cell; arrays joined with LIST_SEP. malloc'd. */
char *cell_text(const json_t *v);
/*
 * Table output shows values from the store, which a terminal must not act on: s with every
 * C0 control and DEL escaped ("\n", "\t", "\r", "\e", "\x01") and every C1 control
 * ("\u009b"). malloc'd; NULL when out of memory. Every table cell goes through it.
 */
char *cell_safe(const char *s);
/* Writes s through cell_safe(). Returns 0, or -1 when writing failed. */
int put_cell(FILE *f, const char *s);
/* A copy of v with every string through cell_safe(): the answers the follow-up tables print
 * with fprintf are made safe once, before any of it is written. */
json_t *json_cells_safe(const json_t *v);

/* Prints "regctl: <fmt>" and a newline on stderr. */
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The exit code for a failed status: from its code alone (errors.c, exit_table). */
int exit_code_of(const struct stdreg_status *st);
/* Prints the one-line error for a failed call ("cannot get area 'ai' (not found)") and
 * returns its exit code. what is the action: "get area 'ai'". */
int fail_status(const char *what, const struct stdreg_status *st);
/* Writes the exit code table (for --help). */
void exit_codes_help(FILE *f);

/* Opens a client with the global options; on failure prints and returns the exit code. */
int open_client(const struct globals *g, stdreg_client **c);

/* Exit code after output: writing stdout must have worked for a 0. */
int finish_output(int rc);

/* ---- commands: the verbs without a noun ------------------------------------------------- */

/* Local options of commands (those that set no request field). */
enum {
	LOPT_FILE = 1, /* -f FILE */
	LOPT_KIND,     /* --kind K (apply: the kind of records without one) */
	LOPT_FORMAT,   /* --format jsonl|csv */
	LOPT_COUNT,    /* --count N */
	LOPT_PROPOSED, /* goal add --proposed */
	LOPT_GOALS,    /* gaps --goals */
	LOPT_TREND,    /* report --trend quarterly */
	LOPT_FROM,     /* report --from DATE */
};

/* Flag properties. */
enum {
	OPTF_REQUIRED = 1 << 0,
};

/* A flag of a command: sets a field of the command's request, or a local option. */
struct cmd_opt {
	const char *flag;  /* without the dashes */
	const char *field; /* request field; NULL: the local option id */
	int id;
	const char *arg; /* metavar; NULL: a switch */
	const char *help;
	unsigned flags;
};

/* What a command line said. */
struct cmd_args {
	json_t *fields; /* request field -> JSON value, from arguments and field flags (owned) */
	const char *file;
	const char *kind;
	const char *format;
	uint64_t count;    /* 0 = no limit */
	bool proposed;     /* goal add --proposed */
	bool goals;        /* gaps --goals */
	const char *trend; /* report --trend quarterly */
	const char *from;  /* report --from DATE */
	bool help;
	char **pos; /* positional arguments (borrowed from argv) */
	int npos;
};

struct command {
	const char *name;
	int (*run)(struct globals *g, const struct command *cmd, struct cmd_args *a);
	const char *summary;    /* one line for regctl --help */
	const char *usage;      /* after "regctl " */
	const char *const *pos; /* request fields the positional arguments set, NULL-terminated */
	int min_pos;            /* arguments required */
	const char *missing;    /* the usage error when too few are given; NULL = generic */
	const struct cmd_opt *opts;                /* NULL-terminated */
	const ProtobufCMessageDescriptor *request; /* what the flags fill */
	const char *method;                        /* for the one-call commands */
	const ProtobufCMessageDescriptor *response;
	int (*table)(FILE *f, const json_t *resp); /* table output of the response */
	const char *what;            /* the action in errors; {0} {1} {2} are the arguments */
	unsigned formats;            /* 1 << OUT_* accepted; 0 = table, json, jsonl */
	enum out_format default_out; /* without -o (export: jsonl) */
	const char *notes;           /* more help; NULL = none */
	/* Other outputs than the response's JSON mapping as one document (cmd_query.c): */
	const char *list; /* the array field whose elements are the lines of jsonl and the rows
	                     of csv ("gaps"); NULL: jsonl is the response on one line */
	const struct column *csv;                /* csv: the columns (paths into each row) */
	json_t *(*csv_rows)(const json_t *resp); /* csv rows other than list's elements */
	const char *csv_noun;                    /* csv of a response that is one record */
	json_t *(*json)(const json_t *resp);     /* json and jsonl: the response made plainer */
	/* Calls after the command's own that add to its answer (mine's goals); NULL = none.
	 * Returns a stdreg code, with st set on failure. */
	int (*more)(stdreg_client *c, const struct cmd_args *a, json_t *resp,
	            struct stdreg_status *st);
	/* A command of subcommands ("goal add"): the first argument picks one of these rows
	 * (named "COMMAND SUB", ending with a zeroed row); the other fields are unused. */
	const struct command *subs;
};

extern const struct command regctl_commands[]; /* ends with a zeroed entry */
extern const struct command goal_commands[];   /* cmd_goal.c: goal add, get, list, follow-ups */
const struct command *command_find(const char *name);

/* Parses a command's arguments (argv[0] is the command). Positional arguments and field
 * flags are checked against the request's fields (dates must be YYYY-MM-DD and exist).
 * On a usage error prints one line and returns EXIT_USAGE; else fills a (release it with
 * cmd_args_release) and returns 0. */
int cmd_args_parse(struct globals *g, const struct command *cmd, int argc, char **argv,
                   struct cmd_args *a);
void cmd_args_release(struct cmd_args *a);

/* True if s is a calendar date YYYY-MM-DD that exists. */
bool valid_date(const char *s);

/* The command's action for error messages, its {N} replaced by argument N. */
void command_what(const struct command *cmd, const struct cmd_args *a, char *buf, size_t len);

/* Writes the help of one command; the list of commands for regctl --help. */
void command_help(FILE *f, const struct command *cmd);
void commands_help(FILE *f);

/* Runs a command: parse, help, then cmd->run. Returns the exit code. */
int command_main(struct globals *g, const struct command *cmd, int argc, char **argv);

/* The runs. */
int run_call(struct globals *g, const struct command *cmd, struct cmd_args *a);
int run_watch(struct globals *g, const struct command *cmd, struct cmd_args *a);
int run_apply(struct globals *g, const struct command *cmd, struct cmd_args *a);
int run_export(struct globals *g, const struct command *cmd, struct cmd_args *a);
int run_backup(struct globals *g, const struct command *cmd, struct cmd_args *a);

/* Tables of the follow-up responses (the response's JSON mapping in, text out). Each
 * returns 0, or -1 when writing failed. */
int table_assignment(FILE *f, const json_t *resp);
int table_transfer(FILE *f, const json_t *resp);
int table_item(FILE *f, const json_t *resp);
int table_mine(FILE *f, const json_t *resp);
int table_gaps(FILE *f, const json_t *resp);
int table_as_of(FILE *f, const json_t *resp);
int table_history(FILE *f, const json_t *resp);
int table_report(FILE *f, const json_t *resp);

/* out_goals.c: goals in the answers of mine, report and history. */
struct Stdreg__V1__GoalListRequest;
int goal_list_all(stdreg_client *c, struct Stdreg__V1__GoalListRequest *req, json_t *out,
                  struct stdreg_status *st);
int more_mine(stdreg_client *c, const struct cmd_args *a, json_t *resp, struct stdreg_status *st);
int more_report(stdreg_client *c, const struct cmd_args *a, json_t *resp, struct stdreg_status *st);
int more_history(stdreg_client *c, const struct cmd_args *a, json_t *resp,
                 struct stdreg_status *st);
int table_mine_goals(FILE *f, const json_t *resp);
int table_report_goals(FILE *f, const json_t *resp);
int table_history_goal(FILE *f, const json_t *resp);

/* cmd_goal_report.c: gaps (--goals) and report (--trend). */
int run_gaps(struct globals *g, const struct command *cmd, struct cmd_args *a);
int run_report(struct globals *g, const struct command *cmd, struct cmd_args *a);
int table_whoami(FILE *f, const json_t *resp);
int table_stats(FILE *f, const json_t *resp); /* out_stats.c */
/* Stats for json: each status count named as /metrics names it ("NOT_FOUND"). New ref. */
json_t *json_stats(const json_t *resp);
/* The CSV of gaps and history. */
extern const struct column gaps_csv_cols[];
extern const struct column history_csv_cols[];
/* History as rows: one per changed field of each entry (an entry without any: one row). */
json_t *history_rows(const json_t *resp);
/* One watch line: "REV OP KIND ID PRINCIPAL". */
int table_change(FILE *f, const json_t *change);

/* ---- progress bar on stderr (progress.c) ------------------------------------------------ */

struct progress {
	bool tty;        /* stderr is a terminal: otherwise nothing is ever drawn */
	uint64_t start;  /* monotonic ms */
	bool shown;      /* something was drawn (and must be cleared) */
	int last_permil; /* last drawn, to redraw only on change */
};

/* Starts the clock. */
void progress_init(struct progress *p);
/* Draws "uploading [####....]  45%  12.3 of 27.1 MiB" once the upload has taken more than
 * half a second; a stdreg_apply_opts.progress callback (arg is the struct progress). */
void progress_update(void *arg, size_t done, size_t total);
/* Replaces the bar with text (e.g. "committing"), if a bar is shown. */
void progress_note(struct progress *p, const char *text);
/* Clears the line if anything was drawn. */
void progress_end(struct progress *p);

/* ---- watch's resume logic (watch.c) ---------------------------------------------------- */

struct watch_cursor {
	uint64_t since;        /* since_revision of the next call: the last revision printed */
	uint32_t since_change; /* since_change of the next call */
	uint64_t left;         /* changes still to print; 0 = no limit */
	bool done;             /* --count reached */
};

/*
 * Takes one Watch reply (changes with their revisions; next_revision and next_change, the
 * place to go on from): calls emit for
 * each change to print, in order, skipping any at or before the cursor (a server that sends
 * one twice never makes a line repeat), stops when the count is reached, and moves the cursor
 * to where the next call must start. Returns the number of changes emitted, or -1 when emit
 * failed (the cursor then stays after the last change emitted).
 */
struct stdreg_change_view {
	uint64_t revision;
	const void *change; /* passed to emit */
};
int watch_take(struct watch_cursor *w, const struct stdreg_change_view *changes, size_t n,
               uint64_t next_revision, uint32_t next_change,
               int (*emit)(void *arg, const void *change), void *arg);

#endif
