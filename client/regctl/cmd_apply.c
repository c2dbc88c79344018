/*
 * cmd_apply.c - regctl apply: read and check the whole file, then upload it in chunks and
 * commit it as one change (stdreg_apply). Nothing is sent while any line is bad.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bulk_read.h"
#include "regctl.h"
#include "stdreg/v1/registry.pb-c.h"

#define COMMIT_TIMEOUT_MS 300000u /* the commit of a large file takes a while */

/* Reads all of path ("-" = stdin) into a malloc'd buffer. */
static int read_all(const char *path, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL, *grown;
	size_t cap = 0, n = 0, got;

	if (f == NULL) {
		errorf("cannot read '%s' (%s)", path, strerror(errno));
		return EXIT_USAGE;
	}
	for (;;) {
		if (n == cap) {
			cap = cap > 0 ? cap * 2 : 65536;
			if ((grown = realloc(buf, cap)) == NULL) {
				errorf("cannot read '%s' (out of memory)", path);
				goto fail;
			}
			buf = grown;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		errorf("cannot read '%s' (%s)", path, strerror(errno));
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	*out = buf;
	*len = n;
	return 0;
fail:
	if (f != stdin)
		fclose(f);
	free(buf);
	return EXIT_USAGE;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Does the first non-blank character start a JSON object or a '#' comment? */
static bool starts_like_jsonl(const char *buf, size_t len)
{
	size_t i;

	for (i = 0;
	     i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'); i++)
		;
	return i == len || buf[i] == '{' || buf[i] == '#';
}

/* CSV or JSON Lines: --format, else the file name, else the first character (a JSON Lines
 * file starts with '{' or a '#' comment; a CSV file with its header). */
static bool is_csv(const struct cmd_args *a, const char *buf, size_t len)
{
	if (a->format != NULL)
		return strcmp(a->format, "csv") == 0;
	if (ends_with(a->file, ".csv"))
		return true;
	if (ends_with(a->file, ".jsonl") || ends_with(a->file, ".json") ||
	    ends_with(a->file, ".ndjson"))
		return false;
	return !starts_like_jsonl(buf, len) && a->kind != NULL;
}

/* The server's line errors (violations "line N") as FILE:N lines. The exit code is the
 * status's: 7 (FAILED_PRECONDITION) when every bad line only refers to a record that does not
 * exist, else 2 (INVALID_ARGUMENT). */
static int print_server_errors(const char *file, const struct stdreg_status *st)
{
	const char *msg = st->message != NULL ? st->message : "";
	struct line_errors e = { 0 };
	size_t i;

	for (i = 0; i < st->n_violations; i++) {
		const struct stdreg_violation *v = &st->violations[i];
		unsigned line;

		if (sscanf(v->field, "line %u", &line) == 1)
			line_errors_add(&e, line, v->description);
		else
			errorf("%s: %s: %s", file, v->field, v->description);
	}
	// The daemon lists the first errors and says how many there were in all ("(3000
	// errors in all; ..."): count the rest from that.
	const char *all = strstr(msg, " errors in all");
	if (all != NULL) {
		const char *d = all;
		while (d > msg && d[-1] >= '0' && d[-1] <= '9')
			d--;
		if (d < all && strtoul(d, NULL, 10) > e.total)
			e.total = strtoul(d, NULL, 10);
	}
	line_errors_print(stderr, &e, file);
	// The daemon's message may say so already ("... nothing was applied").
	errorf("cannot apply '%s' (%s%s%s)%s", file, stdreg_code_name(st->code),
	       msg[0] != '\0' ? ": " : "", msg,
	       strstr(msg, "nothing was applied") != NULL ? "" : "; nothing applied");
	line_errors_release(&e);
	return exit_code_of(st);
}

static const struct column count_cols[] = {
	{ "KIND", "kind", NULL },
	{ "CREATED", "created", "0" },
	{ "UPDATED", "updated", "0" },
	{ "UNCHANGED", "unchanged", "0" },
	{ 0 },
};

static void summary(FILE *f, const json_t *j)
{
	const json_t *counts = json_object_get(j, "counts"), *d;
	const json_t *rev = json_object_get(j, "revision");
	size_t i;

	if (json_array_size(counts) > 0)
		out_table(f, count_cols, counts);
	if (json_is_true(json_object_get(j, "dry_run"))) {
		d = json_object_get(j, "differences");
		for (i = 0; i < json_array_size(d); i++) {
			fputs(i == 0 ? "first differences:\n  " : "  ", f);
			put_cell(f, json_string_value(json_array_get(d, i)));
			fputc('\n', f);
		}
		fputs("dry run: nothing was applied\n", f);
		return;
	}
	fprintf(f, "applied at revision %" JSON_INTEGER_FORMAT "\n",
	        json_is_integer(rev) ? json_integer_value(rev) : (json_int_t)0);
}

/* Orders the kept line errors by line (the file's and the server's come in two runs). */
static int by_line(const void *a, const void *b)
{
	const struct line_error *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * The registry's own checks (ids, stages, organisation numbers, references) of the lines that
 * read well, so one run reports every bad line: a dry run of them, its line violations added
 * to errs. Nothing is applied. Skipped when the file's errors already fill the report, and
 * quietly when the registry cannot be asked (no connection, a token that may not apply):
 * the file's errors are reported either way.
 */
static void registry_check(const struct globals *g, const struct bulk_records *recs,
                           struct line_errors *errs)
{
	struct stdreg_client_opts co = {
		.token = g->token,
		.timeout_ms = g->timeout_ms,
		.tls_ca = g->cacert,
		.tls_cert = g->cert,
		.tls_key = g->key,
	};
	struct stdreg_apply_opts o = { .dry_run = true };
	struct stdreg_status st = STDREG_STATUS_INIT;
	ProtobufCMessage *resp = NULL;
	stdreg_client *c = NULL;
	size_t i;

	if (recs->n == 0 || errs->total >= LINE_ERRORS_SHOWN)
		return;
	if (stdreg_client_open(&c, g->endpoint, &co, &st) != STDREG_OK)
		goto out;
	o.commit_timeout_ms = g->timeout_ms > COMMIT_TIMEOUT_MS ? g->timeout_ms : COMMIT_TIMEOUT_MS;
	// Line errors come as INVALID_ARGUMENT, or FAILED_PRECONDITION when every one of them
	// only refers to a missing record.
	if (stdreg_apply(c, recs->v, recs->n, &o, &resp, &st) == STDREG_OK ||
	    (st.code != STDREG_INVALID_ARGUMENT && st.code != STDREG_FAILED_PRECONDITION) ||
	    st.local)
		goto out;
	for (i = 0; i < st.n_violations; i++) {
		unsigned line;

		if (sscanf(st.violations[i].field, "line %u", &line) == 1)
			line_errors_add(errs, line, st.violations[i].description);
	}
	qsort(errs->shown, errs->n_shown, sizeof(errs->shown[0]), by_line);
out:
	if (resp != NULL)
		protobuf_c_message_free_unpacked(resp, NULL);
	stdreg_status_release(&st);
	stdreg_client_close(c);
}

/* Reads and checks the file. Returns 0 with the records, or the exit code (every bad line
 * reported: the file's and the registry's). */
static int load(const struct globals *g, const struct cmd_args *a, const char *shown,
                struct bulk_records *recs)
{
	struct line_errors errs = { 0 };
	char *buf = NULL;
	size_t len = 0;
	const char *hint = "";
	int rc, rv;

	if ((rc = read_all(a->file, &buf, &len)) != 0)
		return rc;
	if (is_csv(a, buf, len)) {
		rv = bulk_read_csv(buf, len, a->kind != NULL ? a->kind : "item", recs, &errs);
		if (a->kind == NULL)
			hint = "; read as CSV of work items: --kind KIND for another kind";
	} else {
		rv = bulk_read_jsonl(buf, len, a->kind, recs, &errs);
		if (a->kind == NULL && a->format == NULL && !starts_like_jsonl(buf, len))
			hint = "; read as JSON Lines: a CSV file needs a .csv name or --kind KIND";
	}
	free(buf);
	if (rv != 0) {
		errorf("cannot read '%s' (out of memory)", shown);
		rc = EXIT_SERVER;
	} else if (errs.total > 0) {
		registry_check(g, recs, &errs);
		line_errors_print(stderr, &errs, shown);
		errorf("cannot apply '%s' (%zu bad line%s%s); nothing applied", shown, errs.total,
		       errs.total == 1 ? "" : "s", hint);
		rc = EXIT_USAGE;
	}
	line_errors_release(&errs);
	return rc;
}

int run_apply(struct globals *g, const struct command *cmd, struct cmd_args *a)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	struct stdreg_apply_opts o = { 0 };
	struct bulk_records recs = { 0 };
	Stdreg__V1__ApplyCommitRequest *req = NULL;
	ProtobufCMessage *resp = NULL;
	stdreg_client *c = NULL;
	struct progress prog;
	const char *shown;
	char err[300], what[300];
	json_t *j = NULL;
	int rc;

	if (a->file == NULL) {
		errorf("'apply' needs -f FILE (see regctl apply --help)");
		return EXIT_USAGE;
	}
	shown = strcmp(a->file, "-") == 0 ? "stdin" : a->file;
	snprintf(what, sizeof(what), "apply '%s'", shown);
	if (stdreg_json_to_message(a->fields, cmd->request, (ProtobufCMessage **)&req, err,
	                           sizeof(err)) != 0) {
		errorf("cannot %s (%s)", what, err);
		return EXIT_USAGE;
	}
	if ((rc = load(g, a, shown, &recs)) != 0)
		goto out;
	if ((rc = open_client(g, &c)) != 0)
		goto out;
	progress_init(&prog);
	o.dry_run = req->dry_run;
	o.decision_ref = req->decision_ref;
	o.commit_timeout_ms = g->timeout_ms > COMMIT_TIMEOUT_MS ? g->timeout_ms : COMMIT_TIMEOUT_MS;
	o.progress = progress_update;
	o.progress_arg = &prog;
	rc = stdreg_apply(c, recs.v, recs.n, &o, &resp, &st);
	progress_end(&prog);
	if (rc != STDREG_OK) {
		if ((st.code == STDREG_INVALID_ARGUMENT || st.code == STDREG_FAILED_PRECONDITION) &&
		    st.n_violations > 0 && !st.local)
			rc = print_server_errors(shown, &st);
		else
			rc = fail_status(what, &st);
		goto out;
	}
	if ((j = stdreg_json_from_message(resp)) == NULL) {
		errorf("cannot %s (out of memory)", what);
		rc = EXIT_SERVER;
		goto out;
	}
	if (g->out == OUT_TABLE)
		summary(stdout, j);
	else if (json_dumpf(j, stdout, g->out == OUT_JSON ? JSON_INDENT(2) : JSON_COMPACT) == 0)
		putchar('\n');
	rc = finish_output(EXIT_OK);
out:
	json_decref(j);
	if (resp != NULL)
		protobuf_c_message_free_unpacked(resp, NULL);
	if (req != NULL)
		protobuf_c_message_free_unpacked(&req->base, NULL);
	bulk_records_release(&recs);
	stdreg_status_release(&st);
	stdreg_client_close(c);
	return rc;
}
