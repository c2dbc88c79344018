/*
 * flags.c - the flags of a verb, parsed with getopt_long from the verb's fixed options and the
 * noun's flag table. A table flag's text is checked against its proto field (number, enum
 * name, ...) by the library's JSON mapping, so every noun gets the same rules and messages.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "regctl.h"
#include "stdreg/v1/registry.pb-c.h"

const struct option regctl_global_opts[] = {
	{ "endpoint", required_argument, NULL, GOPT_ENDPOINT },
	{ "token", required_argument, NULL, GOPT_TOKEN },
	{ "output", required_argument, NULL, 'o' },
	{ "timeout", required_argument, NULL, GOPT_TIMEOUT },
	{ "cacert", required_argument, NULL, GOPT_CACERT },
	{ "cert", required_argument, NULL, GOPT_CERT },
	{ "key", required_argument, NULL, GOPT_KEY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, GOPT_VERSION },
	{ 0 },
};

enum {
	OPT_CREATE = 300,
	OPT_IF_REV,
	OPT_DECISION,
	OPT_LIMIT,
	OPT_PAGE_TOKEN,
	OPT_TABLE = 1000, /* + index in the flag table */
};

#define MAX_OPTS 64

const ProtobufCMessageDescriptor *flag_table_desc(const struct noun *n,
                                                  const struct flag_def *table)
{
	if (table != NULL && table == n->put_flags)
		return stdreg_kind_find(n->name)->record;
	return &stdreg__v1__list_request__descriptor;
}

static const ProtobufCFieldDescriptor *table_field(const struct noun *n,
                                                   const struct flag_def *table, size_t i)
{
	return protobuf_c_message_descriptor_get_field_by_name(flag_table_desc(n, table),
	                                                       table[i].field);
}

/* Parses a decimal number in [min, max]; -1 when it is not one. */
static int parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

bool is_global_opt(int c)
{
	switch (c) {
	case 'o':
	case GOPT_ENDPOINT:
	case GOPT_TOKEN:
	case GOPT_TIMEOUT:
	case GOPT_CACERT:
	case GOPT_CERT:
	case GOPT_KEY:
		return true;
	default:
		return false;
	}
}

int global_opt(struct globals *g, int c, const char *arg)
{
	static const struct {
		const char *name;
		enum out_format fmt;
	} formats[] = {
		{ "table", OUT_TABLE },
		{ "json", OUT_JSON },
		{ "jsonl", OUT_JSONL },
		{ "csv", OUT_CSV },
	};
	uint64_t v;
	size_t i;

	switch (c) {
	case GOPT_ENDPOINT:
		g->endpoint = arg;
		return 0;
	case GOPT_TOKEN:
		g->token = arg;
		return 0;
	case GOPT_CACERT:
		g->cacert = arg;
		return 0;
	case GOPT_CERT:
		g->cert = arg;
		return 0;
	case GOPT_KEY:
		g->key = arg;
		return 0;
	case GOPT_TIMEOUT:
		if (parse_number(arg, 1, UINT32_MAX, &v) != 0) {
			errorf("invalid timeout '%s' (expected milliseconds, at least 1)", arg);
			return -1;
		}
		g->timeout_ms = (uint32_t)v;
		return 0;
	case 'o':
		for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
			if (strcmp(arg, formats[i].name) == 0) {
				g->out = formats[i].fmt;
				g->out_given = true;
				return 0;
			}
		}
		errorf("invalid output format '%s' (expected table, json, jsonl or csv)", arg);
		return -1;
	}
	return -1;
}

/* Stores the value of a table flag into a->fields. */
static int set_table_flag(const struct noun *n, const struct flag_def *table, size_t i,
                          const char *text, struct verb_args *a)
{
	const ProtobufCFieldDescriptor *f = table_field(n, table, i);
	char err[256];
	json_t *v, *arr;

	if (stdreg_json_value_from_text(flag_table_desc(n, table), table[i].field, text, &v, err,
	                                sizeof(err)) != 0) {
		errorf("invalid --%s '%s' (%s)", table[i].flag, text, err);
		return EXIT_USAGE;
	}
	if (f->label != PROTOBUF_C_LABEL_REPEATED) {
		json_object_set_new(a->fields, table[i].field, v);
		return 0;
	}
	arr = json_object_get(a->fields, table[i].field);
	if (arr == NULL) {
		arr = json_array();
		json_object_set_new(a->fields, table[i].field, arr);
	}
	json_array_append_new(arr, v);
	return 0;
}

static void add_opt(struct option *o, size_t *n, const char *name, int has_arg, int val)
{
	o[*n] = (struct option){ name, has_arg, NULL, val };
	(*n)++;
}

int verb_args_parse(struct globals *g, const struct noun *n, const char *verb, unsigned opts,
                    int argc, char **argv, struct verb_args *a)
{
	const struct flag_def *table = (opts & VOPT_FIELDS)    ? n->put_flags
	                               : (opts & VOPT_FILTERS) ? n->list_flags
	                                                       : NULL;
	struct option longopts[MAX_OPTS];
	size_t nopt = 0, i;
	uint64_t v;
	int c;

	memset(a, 0, sizeof(*a));
	a->fields = json_object();
	for (i = 0; regctl_global_opts[i].name != NULL; i++)
		if (regctl_global_opts[i].val != GOPT_VERSION)
			longopts[nopt++] = regctl_global_opts[i];
	if (opts & VOPT_FILE)
		add_opt(longopts, &nopt, "file", required_argument, 'f');
	if (opts & VOPT_CREATE)
		add_opt(longopts, &nopt, "create", no_argument, OPT_CREATE);
	if (opts & VOPT_IF_REV)
		add_opt(longopts, &nopt, "if-revision", required_argument, OPT_IF_REV);
	if (opts & VOPT_DECISION)
		add_opt(longopts, &nopt, "decision", required_argument, OPT_DECISION);
	if (opts & VOPT_LIMIT) {
		add_opt(longopts, &nopt, "limit", required_argument, OPT_LIMIT);
		add_opt(longopts, &nopt, "page-token", required_argument, OPT_PAGE_TOKEN);
	}
	for (i = 0; table != NULL && table[i].flag != NULL && nopt + 1 < MAX_OPTS; i++) {
		bool is_bool = table_field(n, table, i)->type == PROTOBUF_C_TYPE_BOOL;

		add_opt(longopts, &nopt, table[i].flag, is_bool ? no_argument : required_argument,
		        OPT_TABLE + (int)i);
	}
	longopts[nopt] = (struct option){ 0 };

	optind = 0; // glibc: start over, as this is the second getopt pass of the process
	opterr = 0;
	while ((c = getopt_long(argc, argv, (opts & VOPT_FILE) ? ":ho:f:" : ":ho:", longopts,
	                        NULL)) != -1) {
		if (is_global_opt(c)) {
			if (global_opt(g, c, optarg) != 0)
				goto usage;
			continue;
		}
		switch (c) {
		case 'h':
			a->help = true;
			break;
		case 'f':
			a->file = optarg;
			break;
		case OPT_CREATE:
			a->create = true;
			break;
		case OPT_IF_REV:
			if (parse_number(optarg, 1, UINT64_MAX, &v) != 0) {
				errorf("invalid --if-revision '%s' (expected a revision number)",
				       optarg);
				goto usage;
			}
			a->has_if_revision = true;
			a->if_revision = v;
			break;
		case OPT_DECISION:
			a->decision = optarg;
			break;
		case OPT_LIMIT:
			if (parse_number(optarg, 1, UINT32_MAX, &v) != 0) {
				errorf("invalid --limit '%s' (expected a positive number)", optarg);
				goto usage;
			}
			a->limit = (uint32_t)v;
			break;
		case OPT_PAGE_TOKEN:
			a->page_token = optarg;
			break;
		case ':':
			errorf("flag '%s' needs a value", argv[optind - 1]);
			goto usage;
		case '?':
			if (optopt != 0)
				errorf("unknown flag '-%c' for '%s %s' (see regctl %s --help)",
				       optopt, n->name, verb, n->name);
			else
				errorf("unknown flag '%s' for '%s %s' (see regctl %s --help)",
				       argv[optind - 1], n->name, verb, n->name);
			goto usage;
		default:
			if (set_table_flag(n, table, (size_t)(c - OPT_TABLE),
			                   optarg != NULL ? optarg : "true", a) != 0)
				goto usage;
		}
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	return 0;
usage:
	verb_args_release(a);
	return EXIT_USAGE;
}

void verb_args_release(struct verb_args *a)
{
	json_decref(a->fields);
	a->fields = NULL;
}

/* "TEXT", "N", "VALUE" or "" for a field's flag. */
static const char *metavar(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		return "";
	case PROTOBUF_C_TYPE_ENUM:
		return " VALUE";
	case PROTOBUF_C_TYPE_STRING:
		return " TEXT";
	case PROTOBUF_C_TYPE_MESSAGE:
		return " JSON";
	default:
		return " N";
	}
}

void flags_help(FILE *out, const struct noun *n, const struct flag_def *table)
{
	char left[64], name[64];
	size_t i, j;

	for (i = 0; table != NULL && table[i].flag != NULL; i++) {
		const ProtobufCFieldDescriptor *f = table_field(n, table, i);

		snprintf(left, sizeof(left), "--%s%s", table[i].flag, metavar(f));
		fprintf(out, "  %-22s %s", left, f->name);
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			fputs(" (repeatable; replaces the list)", out);
		if (f->type == PROTOBUF_C_TYPE_ENUM) {
			const ProtobufCEnumDescriptor *e = f->descriptor;
			const char *sep = ": ";

			for (j = 0; j < e->n_values; j++) {
				if (e->values[j].value == 0)
					continue;
				fprintf(out, "%s%s", sep,
				        stdreg_enum_short_name(e, e->values[j].value, name,
				                               sizeof(name)));
				sep = ", ";
			}
		}
		fputc('\n', out);
	}
}

/* s with every whole word `word` (and "field 'word'") replaced by repl; malloc'd, or NULL. */
static char *replace_word(const char *s, const char *word, const char *repl)
{
	size_t wl = strlen(word), rl = strlen(repl), n = 0;
	char *out = malloc(strlen(s) * (rl + 10) / (wl > 0 ? wl : 1) + strlen(s) + 1);
	const char *p = s;

	if (out == NULL)
		return NULL;
	while (*p != '\0') {
		bool start = p == s || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') ||
		                         (p[-1] >= '0' && p[-1] <= '9'));
		if (start && strncmp(p, "field '", 7) == 0 && strncmp(p + 7, word, wl) == 0 &&
		    p[7 + wl] == '\'') {
			memcpy(out + n, repl, rl);
			n += rl;
			p += 7 + wl + 1;
			continue;
		}
		if (start && strncmp(p, word, wl) == 0 &&
		    !(p[wl] == '_' || (p[wl] >= 'a' && p[wl] <= 'z') ||
		      (p[wl] >= '0' && p[wl] <= '9'))) {
			memcpy(out + n, repl, rl);
			n += rl;
			p += wl;
			continue;
		}
		out[n++] = *p++;
	}
	out[n] = '\0';
	return out;
}

static void swap_text(char **text, const char *word, const char *repl)
{
	char *t;

	if (*text == NULL || (t = replace_word(*text, word, repl)) == NULL)
		return;
	free(*text);
	*text = t;
}

void status_name_flags(struct stdreg_status *st, const struct flag_def *table)
{
	char flag[72];
	size_t i, j;

	for (i = 0; table != NULL && table[i].flag != NULL; i++) {
		snprintf(flag, sizeof(flag), "--%s", table[i].flag);
		swap_text(&st->message, table[i].field, flag);
		for (j = 0; j < st->n_violations; j++) {
			swap_text(&st->violations[j].field, table[i].field, flag);
			swap_text(&st->violations[j].description, table[i].field, flag);
		}
	}
}
