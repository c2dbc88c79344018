/*
 * cmd_args.c - the arguments of a command, parsed with getopt_long from the command's row in
 * the command table. Positional arguments and field flags are converted by the library's JSON
 * mapping against the command's request message, so "--role lead" is checked against the
 * Role enum and "--days x" against a uint32 with the same rules and messages as everywhere.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "regctl.h"

#define MAX_OPTS 32
#define OPT_BASE 1000 /* getopt value of cmd->opts[i]: OPT_BASE + i */

/* Request fields that hold a calendar date. */
static const char *const date_fields[] = { "valid_from", "valid_to", "date",  "today",
	                                   "due",        "new_due",  "as_of", "set_on",
	                                   "from_date",  "to_date" };

bool valid_date(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, i;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return false;
		} else if (s[i] < '0' || s[i] > '9') {
			return false;
		}
	}
	if (s[10] != '\0')
		return false;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (m < 1 || m > 12 || d < 1)
		return false;
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return d <= 29;
	return d <= mdays[m - 1];
}

static bool is_date_field(const char *field)
{
	size_t i;

	for (i = 0; i < sizeof(date_fields) / sizeof(date_fields[0]); i++)
		if (strcmp(field, date_fields[i]) == 0)
			return true;
	return false;
}

/* Stores text for request field `field` (shown as `shown` in errors) into a->fields. */
static int set_field(const struct command *cmd, const char *field, const char *shown,
                     const char *text, struct cmd_args *a)
{
	const ProtobufCFieldDescriptor *f =
	        protobuf_c_message_descriptor_get_field_by_name(cmd->request, field);
	char err[256];
	json_t *v, *arr;

	if (is_date_field(field) && !valid_date(text)) {
		errorf("invalid %s '%s' (expected a date YYYY-MM-DD)", shown, text);
		return EXIT_USAGE;
	}
	if (stdreg_json_value_from_text(cmd->request, field, text, &v, err, sizeof(err)) != 0) {
		errorf("invalid %s '%s' (%s)", shown, text, err);
		return EXIT_USAGE;
	}
	if (f->label != PROTOBUF_C_LABEL_REPEATED) {
		json_object_set_new(a->fields, field, v);
		return 0;
	}
	if ((arr = json_object_get(a->fields, field)) == NULL) {
		arr = json_array();
		json_object_set_new(a->fields, field, arr);
	}
	json_array_append_new(arr, v);
	return 0;
}

static int set_local(const struct command *cmd, const struct cmd_opt *o, const char *arg,
                     struct cmd_args *a)
{
	char *end;

	switch (o->id) {
	case LOPT_FILE:
		a->file = arg;
		return 0;
	case LOPT_KIND:
		if (stdreg_kind_find(arg) == NULL) {
			errorf("invalid --kind '%s' (expected area, body, agency, item, "
			       "assignment, goal or follow_up)",
			       arg);
			return EXIT_USAGE;
		}
		a->kind = arg;
		return 0;
	case LOPT_FORMAT:
		if (strcmp(arg, "jsonl") != 0 && strcmp(arg, "csv") != 0) {
			errorf("invalid --format '%s' (expected jsonl or csv)", arg);
			return EXIT_USAGE;
		}
		a->format = arg;
		return 0;
	case LOPT_PROPOSED:
		a->proposed = true;
		return 0;
	case LOPT_GOALS:
		a->goals = true;
		return 0;
	case LOPT_TREND:
		if (strcmp(arg, "quarterly") != 0) {
			errorf("invalid --trend '%s' (expected quarterly)", arg);
			return EXIT_USAGE;
		}
		a->trend = arg;
		return 0;
	case LOPT_FROM:
		if (!valid_date(arg)) {
			errorf("invalid --from '%s' (expected a date YYYY-MM-DD)", arg);
			return EXIT_USAGE;
		}
		a->from = arg;
		return 0;
	case LOPT_COUNT:
		errno = 0;
		a->count = strtoull(arg, &end, 10);
		if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 || a->count == 0) {
			errorf("invalid --count '%s' (expected a positive number)", arg);
			return EXIT_USAGE;
		}
		return 0;
	}
	errorf("flag '--%s' of '%s' is not handled", o->flag, cmd->name);
	return EXIT_USAGE;
}

/* Adds the global options and the command's flags to longopts. */
static size_t build_longopts(const struct command *cmd, struct option *longopts)
{
	size_t n = 0, i;

	for (i = 0; regctl_global_opts[i].name != NULL; i++)
		if (regctl_global_opts[i].val != GOPT_VERSION)
			longopts[n++] = regctl_global_opts[i];
	for (i = 0; cmd->opts != NULL && cmd->opts[i].flag != NULL && n + 1 < MAX_OPTS; i++)
		longopts[n++] =
		        (struct option){ cmd->opts[i].flag,
			                 cmd->opts[i].arg != NULL ? required_argument : no_argument,
			                 NULL, OPT_BASE + (int)i };
	longopts[n] = (struct option){ 0 };
	return n;
}

/* Positional arguments -> request fields; checks their number and the required flags. */
static int check_args(const struct command *cmd, struct cmd_args *a)
{
	char shown[64];
	int npos = 0, i;

	while (cmd->pos != NULL && cmd->pos[npos] != NULL)
		npos++;
	if (a->npos > npos) {
		errorf("unexpected argument '%s' for '%s' (see regctl %s --help)", a->pos[npos],
		       cmd->name, cmd->name);
		return EXIT_USAGE;
	}
	if (a->npos < cmd->min_pos && cmd->missing != NULL) {
		errorf("%s", cmd->missing);
		return EXIT_USAGE;
	}
	if (a->npos < cmd->min_pos) {
		errorf("'%s' needs more arguments: regctl %s", cmd->name, cmd->usage);
		return EXIT_USAGE;
	}
	for (i = 0; i < a->npos; i++) {
		if (cmd->pos[i][0] == '@')
			continue; /* a local argument (a file name): the command reads a->pos */
		snprintf(shown, sizeof(shown), "%s", cmd->pos[i]);
		if (set_field(cmd, cmd->pos[i], shown, a->pos[i], a) != 0)
			return EXIT_USAGE;
	}
	for (i = 0; cmd->opts != NULL && cmd->opts[i].flag != NULL; i++) {
		const struct cmd_opt *o = &cmd->opts[i];

		if ((o->flags & OPTF_REQUIRED) && o->field != NULL &&
		    json_object_get(a->fields, o->field) == NULL) {
			errorf("'%s' needs --%s (see regctl %s --help)", cmd->name, o->flag,
			       cmd->name);
			return EXIT_USAGE;
		}
	}
	return 0;
}

int cmd_args_parse(struct globals *g, const struct command *cmd, int argc, char **argv,
                   struct cmd_args *a)
{
	struct option longopts[MAX_OPTS];
	const char *shortopts = ":ho:";
	char shown[64];
	size_t i;
	int c;

	memset(a, 0, sizeof(*a));
	a->fields = json_object();
	build_longopts(cmd, longopts);
	for (i = 0; cmd->opts != NULL && cmd->opts[i].flag != NULL; i++)
		if (cmd->opts[i].id == LOPT_FILE)
			shortopts = ":ho:f:";
	optind = 0; // glibc: start over, as this is the second getopt pass of the process
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct cmd_opt *o;

		if (is_global_opt(c)) {
			if (global_opt(g, c, optarg) != 0)
				goto usage;
			continue;
		}
		switch (c) {
		case 'h':
			a->help = true;
			continue;
		case 'f':
			a->file = optarg;
			continue;
		case ':':
			errorf("flag '%s' needs a value", argv[optind - 1]);
			goto usage;
		case '?':
			if (optopt != 0)
				errorf("unknown flag '-%c' for '%s' (see regctl %s --help)", optopt,
				       cmd->name, cmd->name);
			else
				errorf("unknown flag '%s' for '%s' (see regctl %s --help)",
				       argv[optind - 1], cmd->name, cmd->name);
			goto usage;
		}
		o = &cmd->opts[c - OPT_BASE];
		if (o->field == NULL) {
			if (set_local(cmd, o, optarg, a) != 0)
				goto usage;
			continue;
		}
		snprintf(shown, sizeof(shown), "--%s", o->flag);
		if (set_field(cmd, o->field, shown, optarg != NULL ? optarg : "true", a) != 0)
			goto usage;
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	if (!a->help && check_args(cmd, a) != 0)
		goto usage;
	return 0;
usage:
	cmd_args_release(a);
	return EXIT_USAGE;
}

void cmd_args_release(struct cmd_args *a)
{
	json_decref(a->fields);
	a->fields = NULL;
}

void command_what(const struct command *cmd, const struct cmd_args *a, char *buf, size_t len)
{
	const char *s = cmd->what != NULL ? cmd->what : cmd->name;
	size_t used = 0;

	for (; *s != '\0' && used + 1 < len; s++) {
		if (s[0] == '{' && s[1] >= '0' && s[1] <= '9' && s[2] == '}') {
			int i = s[1] - '0';
			const char *arg = i < a->npos ? a->pos[i] : "";
			int w = snprintf(buf + used, len - used, "%s", arg);

			used += w > 0 ? (size_t)w : 0;
			if (used >= len)
				used = len - 1;
			s += 2;
			continue;
		}
		buf[used++] = *s;
	}
	buf[used] = '\0';
}
