/*
 * bench_http.c - registryd's HTTP face (--http-listen): a point get, GetWorkItem, as a
 * Connect unary call over one keep-alive connection per client (bench_httpc.c), with a JSON
 * body or with application/proto (the payload bytes of the nng call, no envelope).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#include "stdreg/v1/registry.pb-c.h"

#define GET_PATH "/stdreg.v1.Registry/GetWorkItem"

struct hclient {
	struct http_conn h;
	const struct http_target *t;
	uint64_t rng;
};

static int hclient_setup(void **state, void *arg, unsigned index)
{
	struct hclient *c = calloc(1, sizeof *c);

	if (c == NULL)
		return -1;
	c->t = arg;
	c->rng = (index + 5) * 0x9E3779B97F4A7C15ULL;
	c->h.fd = http_conn_open(c->t->port);
	if (c->h.fd < 0) {
		free(c);
		return -1;
	}
	*state = c;
	return 0;
}

static void hclient_teardown(void *state)
{
	struct hclient *c = state;

	close(c->h.fd);
	free(c);
}

static int op_get_json(void *state)
{
	struct hclient *c = state;
	char json[64], *body;
	int n = snprintf(json, sizeof json, "{\"id\":\"item-%07u\"}",
	                 (unsigned)(xorshift(&c->rng) % c->t->items));

	if (http_conn_post(&c->h, GET_PATH, "application/json", json, (size_t)n, &body, NULL) !=
	    200)
		return -1;
	return strstr(body, "\"reference\"") != NULL ? 0 : -1;
}

static int op_get_proto(void *state)
{
	struct hclient *c = state;
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;
	uint8_t req[64];
	char id[32], *body;
	size_t n, len;

	snprintf(id, sizeof id, "item-%07u", (unsigned)(xorshift(&c->rng) % c->t->items));
	g.id = id;
	n = stdreg__v1__get_request__pack(&g, req);
	if (http_conn_post(&c->h, GET_PATH, "application/proto", req, n, &body, &len) != 200)
		return -1;
	// A WorkItem begins with its id, field 1: tag 0x0a.
	return len > 2 && (uint8_t)body[0] == 0x0a ? 0 : -1;
}

const struct client_ops http_get_json_ops = { hclient_setup, op_get_json, hclient_teardown };
const struct client_ops http_get_proto_ops = { hclient_setup, op_get_proto, hclient_teardown };
