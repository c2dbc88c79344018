/*
 * handlers.h - the record handlers: one generic handler per operation, parameterised by
 * the kind in the method's row. Handlers translate RPC <-> store calls and nothing else.
 */
#ifndef REGISTRYD_HANDLERS_H
#define REGISTRYD_HANDLERS_H

#include "call.h"

/* GetRequest -> the stored record bytes, from the slot's read transaction. */
enum call_result handle_get(struct call *c);
/* ListRequest -> List*Response built from the stored bytes of one page. */
enum call_result handle_list(struct call *c);
/* Put*Request -> the writer; replies with the stored record once committed. */
enum call_result handle_put(struct call *c);
/* DeleteRequest -> the writer; replies with an empty DeleteResponse once committed. */
enum call_result handle_delete(struct call *c);

#endif
