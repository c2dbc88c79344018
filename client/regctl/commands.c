/*
 * commands.c - the commands without a noun: one row each, with their arguments, flags, the
 * call they make and how the answer is shown. The flags set fields of the request message
 * named in the row; cmd_args.c parses them and cmd_query.c makes the call.
 */
#include <string.h>

#include "regctl.h"
#include "stdreg/v1/registry.pb-c.h"

#define FMT(x)   (1u << (x))
#define FMT_ALL  (FMT(OUT_TABLE) | FMT(OUT_JSON) | FMT(OUT_JSONL))
#define DECISION "the decision (e.g. a government decision number)"

static const char *const pos_area_agency[] = { "area_id", "agency_id", NULL };
static const char *const pos_transfer[] = { "area_id", "from_agency_id", "to_agency_id", NULL };
static const char *const pos_stage[] = { "work_item_id", "stage", NULL };
static const char *const pos_agency[] = { "agency_id", NULL };
static const char *const pos_as_of[] = { "area_id", "date", NULL };
static const char *const pos_history[] = { "kind", "id", NULL };

static const struct cmd_opt assign_opts[] = {
	{ "role", "role", 0, "ROLE", "lead or supporting", OPTF_REQUIRED },
	{ "decision", "decision_ref", 0, "REF", DECISION " that appoints", OPTF_REQUIRED },
	{ "from", "valid_from", 0, "DATE", "first day (YYYY-MM-DD; default today)", 0 },
	{ "note", "note", 0, "TEXT", "a note kept with the appointment", 0 },
	{ 0 },
};

static const struct cmd_opt unassign_opts[] = {
	{ "decision", "decision_ref", 0, "REF", DECISION " that ends it", OPTF_REQUIRED },
	{ "to", "valid_to", 0, "DATE", "end, exclusive (YYYY-MM-DD; default today)", 0 },
	{ "role", "role", 0, "ROLE", "lead or supporting, when the agency holds both", 0 },
	{ 0 },
};

static const struct cmd_opt transfer_opts[] = {
	{ "decision", "decision_ref", 0, "REF", DECISION " that transfers", OPTF_REQUIRED },
	{ "from", "valid_from", 0, "DATE",
	  "day the new lead starts and the old one ends (default today)", 0 },
	{ "note", "note", 0, "TEXT", "a note kept with the new appointment", 0 },
	{ 0 },
};

static const struct cmd_opt stage_opts[] = {
	{ "decision", "decision_ref", 0, "REF", "decision recorded with the change", 0 },
	{ "if-revision", "expected_mod_revision", 0, "N",
	  "fail unless the item's mod_revision is N", 0 },
	{ 0 },
};

static const struct cmd_opt gaps_opts[] = {
	{ "today", "today", 0, "DATE", "count days up to DATE (default: the server's today)", 0 },
	{ "goals", NULL, LOPT_GOALS, NULL,
	  "areas with a lead but no active goal, and goals whose owner is not appointed", 0 },
	{ 0 },
};

static const struct cmd_opt report_opts[] = {
	{ "days", "days", 0, "N", "window of the stage changes in days (default 45)", 0 },
	{ "today", "today", 0, "DATE", "report as of DATE (default: the server's today)", 0 },
	{ "trend", NULL, LOPT_TREND, "quarterly",
	  "the registry at each quarter end instead (lead, goals, met on time, slip)", 0 },
	{ "from", NULL, LOPT_FROM, "DATE", "trend: the first quarter (default two years back)", 0 },
	{ 0 },
};

static const struct cmd_opt watch_opts[] = {
	{ "since", "since_revision", 0, "REV",
	  "print the changes after revision REV (default: only new changes)", 0 },
	{ "kind", "kinds", 0, "KIND", "only this kind (repeatable)", 0 },
	{ "id", "ids", 0, "ID", "only this id (repeatable)", 0 },
	{ "wait-ms", "wait_ms", 0, "MS", "long-poll wait of each call (default 5000)", 0 },
	{ "count", NULL, LOPT_COUNT, "N", "stop after N changes (default: run until a signal)", 0 },
	{ 0 },
};

static const struct cmd_opt apply_opts[] = {
	{ "file", NULL, LOPT_FILE, "FILE", "the records ('-' = stdin); also -f", OPTF_REQUIRED },
	{ "dry-run", "dry_run", 0, NULL, "check and count, apply nothing", 0 },
	{ "decision", "decision_ref", 0, "REF", "decision recorded with the change", 0 },
	{ "kind", NULL, LOPT_KIND, "KIND", "kind of the records (CSV: default item)", 0 },
	{ "format", NULL, LOPT_FORMAT, "F", "jsonl or csv (default: see below)", 0 },
	{ 0 },
};

static const struct cmd_opt export_opts[] = {
	{ "kind", "kind", 0, "KIND", "only records of this kind", 0 },
	{ 0 },
};

static const char apply_notes[] =
        "The file is JSON Lines: one record per line, a JSON object whose \"kind\" is area,\n"
        "body, agency, item, assignment, goal or follow_up and whose other keys are the\n"
        "record's fields (what 'regctl export' writes; a goal's own kind is goal_kind). Blank "
        "lines and lines starting with '#' are skipped.\n"
        "Records may refer to each other in any order; each is created or updated by id\n"
        "(appointments by area, agency and valid_from).\n"
        "CSV (for work items): a header row naming the fields (as 'regctl item list -o csv'\n"
        "writes them), one record per row, RFC 4180 quoting, list values joined with ';',\n"
        "empty cells left unset; blank lines are skipped. A file is read as CSV when its\n"
        "name ends in .csv, or with --kind when it does not start with '{' or '#'.\n"
        "Every line is checked first, in one run: what regctl finds (syntax, unknown fields)\n"
        "and what the registry finds in a dry run of the other lines (ids, stages,\n"
        "organisation numbers, references) are reported together as FILE:LINE (the first\n"
        "20 of them), and nothing is applied.\n"
        "The whole file is one change: all of it is applied, or nothing (also when regctl is\n"
        "killed during the upload). The commit may take up to 5 minutes or --timeout.\n";

static const char watch_notes[] =
        "Prints each change as it comes: 'REV OP KIND ID PRINCIPAL', or with -o jsonl one\n"
        "JSON object per change (before and after as records). After a lost connection it\n"
        "reconnects and resumes after the last revision printed. Stops on SIGINT or SIGTERM\n"
        "(exit 0) or after --count changes.\n";

static const char *const pos_backup[] = { "@file", NULL }; /* a local argument */

static const char backup_notes[] =
        "Asks the daemon for a compacting copy of its store (one consistent revision, made\n"
        "while writes go on; admins only) and writes it to FILE.part, fsyncs it and renames\n"
        "it to FILE (a new file FILE.part.XXXXXX: an existing one is never followed or\n"
        "overwritten). Prints the revision the backup holds. Restore it with\n"
        "'registryd restore --data DIR FILE' while the daemon is stopped. The file holds\n"
        "the principals' token hashes: it is made readable by its owner only.\n";

static const char export_notes[] =
        "Writes JSON Lines that 'regctl apply' reads back: one record per line, \"kind\"\n"
        "first, fields in proto order, without meta, sorted by kind and id. The records are\n"
        "all of one revision. -o csv needs --kind. There is no table output (use\n"
        "'regctl KIND list' for a table).\n";

const struct command regctl_commands[] = {
	{
	        .name = "goal",
	        .summary = "goals of areas and their follow-up (add, get, list, checkin, redate, "
	                   "reassign, retarget, close, reopen, activate, withdraw, correct)",
	        .usage = "goal add|get|list|checkin|redate|reassign|retarget|close|reopen|"
	                 "activate|withdraw|correct ...",
	        .subs = goal_commands,
	},
	{
	        .name = "assign",
	        .run = run_call,
	        .summary = "appoint an agency as lead or supporting owner of an area",
	        .usage = "assign AREA AGENCY --role lead|supporting --decision REF [--from DATE] "
	                 "[--note TEXT]",
	        .pos = pos_area_agency,
	        .min_pos = 2,
	        .opts = assign_opts,
	        .request = &stdreg__v1__assign_request__descriptor,
	        .method = "Assign",
	        .response = &stdreg__v1__assignment__descriptor,
	        .table = table_assignment,
	        .what = "assign '{0}' to '{1}'",
	        .formats = FMT_ALL | FMT(OUT_CSV),
	        .csv_noun = "assignment",
	},
	{
	        .name = "unassign",
	        .run = run_call,
	        .summary = "end an agency's current appointment in an area",
	        .usage = "unassign AREA AGENCY --decision REF [--to DATE] [--role ROLE]",
	        .pos = pos_area_agency,
	        .min_pos = 2,
	        .opts = unassign_opts,
	        .request = &stdreg__v1__unassign_request__descriptor,
	        .method = "Unassign",
	        .response = &stdreg__v1__assignment__descriptor,
	        .table = table_assignment,
	        .what = "unassign '{1}' from '{0}'",
	        .formats = FMT_ALL | FMT(OUT_CSV),
	        .csv_noun = "assignment",
	},
	{
	        .name = "transfer",
	        .run = run_call,
	        .summary = "move the lead of an area from one agency to another",
	        .usage = "transfer AREA FROM TO --decision REF [--from DATE] [--note TEXT]",
	        .pos = pos_transfer,
	        .min_pos = 3,
	        .opts = transfer_opts,
	        .request = &stdreg__v1__transfer_request__descriptor,
	        .method = "Transfer",
	        .response = &stdreg__v1__transfer_response__descriptor,
	        .table = table_transfer,
	        .what = "transfer '{0}' from '{1}' to '{2}'",
	},
	{
	        .name = "stage",
	        .run = run_call,
	        .summary = "move a work item to a new stage",
	        .usage = "stage ITEM CODE [--decision REF] [--if-revision N]",
	        .pos = pos_stage,
	        .min_pos = 2,
	        .opts = stage_opts,
	        .request = &stdreg__v1__stage_request__descriptor,
	        .method = "SetStage",
	        .response = &stdreg__v1__work_item__descriptor,
	        .table = table_item,
	        .what = "move item '{0}' to stage '{1}'",
	        .formats = FMT_ALL | FMT(OUT_CSV),
	        .csv_noun = "item",
	},
	{
	        .name = "mine",
	        .run = run_call,
	        .summary = "the areas an agency leads or supports, their work items by stage, and "
	                   "its goals with their status and next report date",
	        .usage = "mine AGENCY",
	        .pos = pos_agency,
	        .min_pos = 1,
	        .missing = "'mine' needs the AGENCY whose areas to show (regctl mine AGENCY)",
	        .request = &stdreg__v1__mine_request__descriptor,
	        .method = "Mine",
	        .response = &stdreg__v1__mine_response__descriptor,
	        .table = table_mine_goals,
	        .more = more_mine,
	        .what = "show the areas of '{0}'",
	        .list = "areas",
	},
	{
	        .name = "gaps",
	        .run = run_gaps,
	        .summary =
	                "prioritised areas without a current lead, most important first (--goals: "
	                "without an active goal)",
	        .usage = "gaps [--today DATE] [--goals]",
	        .opts = gaps_opts,
	        .request = &stdreg__v1__gaps_request__descriptor,
	        .method = "Gaps",
	        .response = &stdreg__v1__gaps_response__descriptor,
	        .table = table_gaps,
	        .what = "list the gaps",
	        .formats = FMT_ALL | FMT(OUT_CSV),
	        .list = "gaps",
	        .csv = gaps_csv_cols,
	},
	{
	        .name = "as-of",
	        .run = run_call,
	        .summary = "the lead and supporting agencies of an area on a date",
	        .usage = "as-of AREA DATE",
	        .pos = pos_as_of,
	        .min_pos = 2,
	        .request = &stdreg__v1__as_of_request__descriptor,
	        .method = "AsOf",
	        .response = &stdreg__v1__as_of_response__descriptor,
	        .table = table_as_of,
	        .what = "show the owners of '{0}' on {1}",
	},
	{
	        .name = "history",
	        .run = run_call,
	        .summary = "every change to a record, oldest first",
	        .usage = "history KIND ID",
	        .pos = pos_history,
	        .min_pos = 2,
	        .request = &stdreg__v1__history_request__descriptor,
	        .method = "History",
	        .response = &stdreg__v1__history_response__descriptor,
	        .table = table_history_goal,
	        .more = more_history,
	        .what = "show the history of {0} '{1}'",
	        .formats = FMT_ALL | FMT(OUT_CSV),
	        .list = "entries",
	        .csv = history_csv_cols,
	        .csv_rows = history_rows,
	},
	{
	        .name = "report",
	        .run = run_report,
	        .summary = "coverage, load per agency, items per status, overdue items, stage "
	                   "changes, goals by status and per agency (--trend: per quarter)",
	        .usage =
	                "report [--days N] [--today DATE] | report --trend quarterly [--from DATE] "
	                "[--today DATE]",
	        .opts = report_opts,
	        .request = &stdreg__v1__report_request__descriptor,
	        .method = "Report",
	        .response = &stdreg__v1__report_response__descriptor,
	        .table = table_report_goals,
	        .more = more_report,
	        .what = "make the report",
	},
	{
	        .name = "watch",
	        .run = run_watch,
	        .summary = "print changes as they happen",
	        .usage =
	                "watch [--since REV] [--kind K]... [--id ID]... [--wait-ms MS] [--count N]",
	        .opts = watch_opts,
	        .request = &stdreg__v1__watch_request__descriptor,
	        .method = "Watch",
	        .response = &stdreg__v1__watch_response__descriptor,
	        .what = "watch",
	        .notes = watch_notes,
	},
	{
	        .name = "apply",
	        .run = run_apply,
	        .summary = "create or update the records of a file, all or nothing",
	        .usage = "apply -f FILE [--dry-run] [--decision REF] [--kind K] [--format F]",
	        .opts = apply_opts,
	        .request = &stdreg__v1__apply_commit_request__descriptor,
	        .what = "apply",
	        .notes = apply_notes,
	},
	{
	        .name = "export",
	        .run = run_export,
	        .summary = "write the registry as JSON Lines (or CSV) for apply",
	        .usage = "export [--kind K] [-o jsonl|json|csv]",
	        .opts = export_opts,
	        .request = &stdreg__v1__export_request__descriptor,
	        .method = "Export",
	        .response = &stdreg__v1__export_response__descriptor,
	        .what = "export",
	        .formats = FMT(OUT_JSON) | FMT(OUT_JSONL) | FMT(OUT_CSV),
	        .default_out = OUT_JSONL,
	        .notes = export_notes,
	},
	{
	        .name = "backup",
	        .run = run_backup,
	        .summary = "write a hot backup of the registry to FILE (admins)",
	        .usage = "backup FILE",
	        .pos = pos_backup,
	        .min_pos = 1,
	        .missing = "'backup' needs the FILE to write (regctl backup FILE)",
	        .request = &stdreg__v1__backup_request__descriptor,
	        .method = "Backup",
	        .response = &stdreg__v1__backup_response__descriptor,
	        .what = "back up the registry",
	        .notes = backup_notes,
	},
	{
	        .name = "whoami",
	        .run = run_call,
	        .summary = "the principal the token stands for: name, role and agency",
	        .usage = "whoami",
	        .request = &stdreg__v1__who_am_irequest__descriptor,
	        .method = "WhoAmI",
	        .response = &stdreg__v1__who_am_iresponse__descriptor,
	        .table = table_whoami,
	        .what = "ask who the token stands for",
	},
	{
	        .name = "stats",
	        .run = run_call,
	        .summary = "the daemon's figures: requests, latencies, writer, store size",
	        .usage = "stats",
	        .request = &stdreg__v1__stats_request__descriptor,
	        .method = "Stats",
	        .response = &stdreg__v1__stats_response__descriptor,
	        .table = table_stats,
	        .what = "get the statistics",
	        .json = json_stats,
	},
	{ 0 },
};

const struct command *command_find(const char *name)
{
	const struct command *c;

	for (c = regctl_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void commands_help(FILE *f)
{
	const struct command *c;

	for (c = regctl_commands; c->name != NULL; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
}

static const char *const format_names[] = { "table", "json", "jsonl", "csv" };

/* "table, json or jsonl": the formats in the set. */
static void formats_text(unsigned formats, char *buf, size_t len)
{
	size_t used = 0, n = 0, i, total = 0;

	for (i = 0; i < 4; i++)
		total += (formats & FMT(i)) != 0;
	buf[0] = '\0';
	for (i = 0; i < 4; i++) {
		if (!(formats & FMT(i)))
			continue;
		n++;
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		                         n == 1 ? "" : (n == total ? " or " : ", "),
		                         format_names[i]);
		if (used >= len)
			return;
	}
}

void command_help(FILE *f, const struct command *cmd)
{
	char left[64], ok[64];
	size_t i;

	fprintf(f, "usage: regctl %s\n\n%s\n", cmd->usage, cmd->summary);
	if (cmd->opts != NULL && cmd->opts[0].flag != NULL) {
		fputs("\nflags:\n", f);
		for (i = 0; cmd->opts[i].flag != NULL; i++) {
			const struct cmd_opt *o = &cmd->opts[i];

			snprintf(left, sizeof(left), "--%s%s%s", o->flag, o->arg != NULL ? " " : "",
			         o->arg != NULL ? o->arg : "");
			fprintf(f, "  %-22s %s%s\n", left, o->help,
			        (o->flags & OPTF_REQUIRED) ? " (required)" : "");
		}
	}
	if (cmd->notes != NULL)
		fprintf(f, "\n%s", cmd->notes);
	formats_text(cmd->formats != 0 ? cmd->formats : FMT_ALL, ok, sizeof(ok));
	fprintf(f, "\noutput: -o %s (default %s)%s\n", ok, format_names[cmd->default_out],
	        cmd->list != NULL ? "; jsonl: one line per element of the answer's list" : "");
}

/* The help of a command of subcommands: each one's usage and summary. */
static void subs_help(FILE *f, const struct command *cmd)
{
	const struct command *s;

	fprintf(f, "usage: regctl %s\n\n%s\n\n", cmd->usage, cmd->summary);
	for (s = cmd->subs; s->name != NULL; s++)
		fprintf(f, "  regctl %s\n      %s\n", s->usage, s->summary);
	fprintf(f, "\nregctl %s SUB --help shows the flags of each\n", cmd->name);
}

/* Runs the subcommand argv[1] of cmd. */
static int subs_main(struct globals *g, const struct command *cmd, int argc, char **argv)
{
	const struct command *s;
	size_t n = strlen(cmd->name);

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		subs_help(argc < 2 ? stderr : stdout, cmd);
		return argc < 2 ? EXIT_USAGE : finish_output(EXIT_OK);
	}
	for (s = cmd->subs; s->name != NULL; s++)
		if (strcmp(s->name + n + 1, argv[1]) == 0)
			return command_main(g, s, argc - 1, argv + 1);
	errorf("unknown subcommand '%s %s' (see regctl %s --help)", cmd->name, argv[1], cmd->name);
	return EXIT_USAGE;
}

int command_main(struct globals *g, const struct command *cmd, int argc, char **argv)
{
	unsigned formats = cmd->formats != 0 ? cmd->formats : FMT_ALL;
	struct cmd_args a;
	int rc;

	if (cmd->subs != NULL)
		return subs_main(g, cmd, argc, argv);
	if ((rc = cmd_args_parse(g, cmd, argc, argv, &a)) != 0)
		return rc;
	if (!g->out_given)
		g->out = cmd->default_out;
	if (a.help) {
		command_help(stdout, cmd);
		cmd_args_release(&a);
		return finish_output(EXIT_OK);
	}
	if (!(formats & FMT(g->out))) {
		char ok[64];

		formats_text(formats, ok, sizeof(ok));
		errorf("'%s' has no %s output (use %s)", cmd->name, format_names[g->out], ok);
		cmd_args_release(&a);
		return EXIT_USAGE;
	}
	rc = cmd->run(g, cmd, &a);
	cmd_args_release(&a);
	return rc;
}
