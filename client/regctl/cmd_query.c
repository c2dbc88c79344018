/*
 * cmd_query.c - the commands that are one call: the request from the arguments, the call,
 * the answer as the command's table or as the generic JSON mapping of the response.
 */
#include <stdlib.h>
#include <string.h>

#include "regctl.h"

/* The answer in the format asked for (command_main checked the command has it). */
static void out_answer(FILE *f, enum out_format fmt, const struct command *cmd, json_t *resp)
{
	json_t *j = cmd->json != NULL && fmt != OUT_TABLE && fmt != OUT_CSV ? cmd->json(resp)
	                                                                    : json_incref(resp);
	json_t *list = cmd->list != NULL ? json_object_get(j, cmd->list) : NULL, *rows, *v;
	size_t i;

	switch (fmt) {
	case OUT_TABLE:
		rows = json_cells_safe(j);
		cmd->table(f, rows);
		json_decref(rows);
		break;
	case OUT_JSON:
		json_dumpf(j, f, JSON_INDENT(2));
		fputc('\n', f);
		break;
	case OUT_JSONL:
		if (cmd->list == NULL) {
			json_dumpf(j, f, JSON_COMPACT);
			fputc('\n', f);
			break;
		}
		json_array_foreach(list, i, v)
		{
			json_dumpf(v, f, JSON_COMPACT);
			fputc('\n', f);
		}
		break;
	case OUT_CSV:
		if (cmd->csv_noun != NULL) {
			out_record(f, OUT_CSV, noun_find(cmd->csv_noun), j);
			break;
		}
		rows = cmd->csv_rows != NULL ? cmd->csv_rows(j)
		       : json_is_array(list) ? json_incref(list)
		                             : json_array();
		out_csv_columns(f, cmd->csv, rows);
		json_decref(rows);
		break;
	}
	json_decref(j);
}

int run_call(struct globals *g, const struct command *cmd, struct cmd_args *a)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	ProtobufCMessage *req = NULL, *resp = NULL;
	stdreg_client *c = NULL;
	char what[256], err[300];
	json_t *j = NULL;
	int rc;

	command_what(cmd, a, what, sizeof(what));
	if (stdreg_json_to_message(a->fields, cmd->request, &req, err, sizeof(err)) != 0) {
		errorf("cannot %s (%s)", what, err);
		return EXIT_USAGE;
	}
	if ((rc = open_client(g, &c)) != 0)
		goto out;
	if (stdreg_call(c, cmd->method, req, cmd->response, &resp, &st) != STDREG_OK) {
		rc = fail_status(what, &st);
		goto out;
	}
	if ((j = stdreg_json_from_message(resp)) == NULL) {
		errorf("cannot %s (out of memory)", what);
		rc = EXIT_SERVER;
		goto out;
	}
	if (cmd->more != NULL && cmd->more(c, a, j, &st) != STDREG_OK) {
		rc = fail_status(what, &st);
		goto out;
	}
	out_answer(stdout, g->out, cmd, j);
	rc = finish_output(EXIT_OK);
out:
	json_decref(j);
	if (resp != NULL)
		protobuf_c_message_free_unpacked(resp, NULL);
	if (req != NULL)
		protobuf_c_message_free_unpacked(req, NULL);
	stdreg_status_release(&st);
	stdreg_client_close(c);
	return rc;
}
