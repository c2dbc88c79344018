/*
 * consumer.c - a program outside the tree, built against an installed libstdreg through
 * pkg-config alone (tests/ops/test_install.sh): the header, the generated message headers
 * and the library must all be where libstdreg.pc says.
 */
#include <stdio.h>

#include <stdreg.h>
#include <stdreg/v1/registry.pb-c.h>

int main(void)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	Stdreg__V1__GetRequest req = STDREG__V1__GET_REQUEST__INIT;
	stdreg_client *c = NULL;
	int rc;

	req.id = "ai";
	rc = stdreg_client_open(&c, "tcp://127.0.0.1:1", NULL, &st);
	if (rc != STDREG_OK) {
		fprintf(stderr, "consumer: cannot open client (%s)\n", stdreg_code_name(rc));
		return 1;
	}
	printf("consumer: opened %s, GetRequest packs to %zu bytes\n", stdreg_client_url(c),
	       stdreg__v1__get_request__get_packed_size(&req));
	stdreg_client_close(c);
	stdreg_status_release(&st);
	return 0;
}
