/*
 * stdreg.h - libstdreg, the client library of the stdreg registry.
 *
 * A client holds one nng REQ socket dialled to a registryd endpoint. stdreg_call() sends one
 * stdreg.v1.Request envelope and waits for its stdreg.v1.Response. Every call reports its
 * outcome as a gRPC status code (enum stdreg_code): the codes the server returns, and the
 * codes the client makes for what fails before a reply arrives (UNAVAILABLE, DEADLINE_EXCEEDED,
 * INVALID_ARGUMENT for bad local input). That enum is the library's one error vocabulary; nng
 * and protobuf-c codes never leave it.
 *
 * The JSON mapping (stdreg_json_*) is the daemon's (pbjson, proto/json) in regctl's dialect.
 * It converts any protobuf-c message to and from a jansson value using only the message
 * descriptors: field names are the proto field names, enums are the lowercase value names
 * without the enum's common prefix ("prioritised"), 64-bit integers are JSON numbers (strings
 * past 2^63), repeated fields are arrays, bytes are base64 strings, zero/empty fields are
 * omitted on output (except "id"). Input may also use everything canonical proto3 JSON
 * allows: lowerCamelCase names, full enum names ("ROLE_LEAD") or numbers, integers as
 * strings.
 *
 * Thread safety: a client may be used by several threads at once (each call runs on its own
 * nng context). The JSON functions keep no state.
 */
#ifndef STDREG_STDREG_H
#define STDREG_STDREG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* Only what this header declares is exported from the shared library. */
#define STDREG_API __attribute__((visibility("default")))

#define STDREG_DEFAULT_ENDPOINT   "tcp://127.0.0.1:7420"
#define STDREG_DEFAULT_TIMEOUT_MS 10000u

/* gRPC status codes, the numbers of the wire contract (stdreg.v1.Status.code). */
enum stdreg_code {
	STDREG_OK = 0,
	STDREG_CANCELLED = 1,
	STDREG_UNKNOWN = 2,
	STDREG_INVALID_ARGUMENT = 3,
	STDREG_DEADLINE_EXCEEDED = 4,
	STDREG_NOT_FOUND = 5,
	STDREG_ALREADY_EXISTS = 6,
	STDREG_PERMISSION_DENIED = 7,
	STDREG_RESOURCE_EXHAUSTED = 8,
	STDREG_FAILED_PRECONDITION = 9,
	STDREG_ABORTED = 10,
	STDREG_OUT_OF_RANGE = 11,
	STDREG_UNIMPLEMENTED = 12,
	STDREG_INTERNAL = 13,
	STDREG_UNAVAILABLE = 14,
	STDREG_DATA_LOSS = 15,
	STDREG_UNAUTHENTICATED = 16,
};

/* The lowercase name of a status code ("invalid argument"); "unknown" for numbers outside the
 * table. Never NULL; the string is static. */
STDREG_API const char *stdreg_code_name(int code);

struct stdreg_violation {
	char *field;
	char *description;
};

/*
 * The outcome of a call. Initialise with STDREG_STATUS_INIT (or zero it); every function that
 * takes one first releases what it held, so one status can be reused across calls. The strings
 * belong to the status until stdreg_status_release().
 */
struct stdreg_status {
	int code;      /* enum stdreg_code */
	char *message; /* "" when the server sent none; NULL only when out of memory */
	struct stdreg_violation *violations;
	size_t n_violations;
	uint64_t revision; /* store revision of the reply; 0 when there was no reply */
	bool local;        /* made by the client: no reply came (message says why) */
};
#define STDREG_STATUS_INIT \
	{                  \
		0          \
	}

/* Frees the message and violations and zeroes the status. */
STDREG_API void stdreg_status_release(struct stdreg_status *st);

/* ---- client ---------------------------------------------------------------------------- */

typedef struct stdreg_client stdreg_client;

struct stdreg_client_opts {
	const char *token;   /* bearer token; NULL or "" = anonymous. Copied. */
	uint32_t timeout_ms; /* budget of each call; 0 = STDREG_DEFAULT_TIMEOUT_MS */
	size_t recv_max;     /* largest reply accepted; 0 = 256 MiB */
	/* tls+tcp:// only: PEM files, read at open. tls_ca holds the CA certificates the
	 * server's certificate must be signed by (required: there is no system default), and
	 * the certificate must name the host of the url when that is a DNS name (for an IP
	 * address only the signature is checked: mbedTLS 2 does not match IP addresses).
	 * tls_cert and tls_key (both or neither) are the client certificate, for servers that
	 * require one. */
	const char *tls_ca;
	const char *tls_cert;
	const char *tls_key;
};

/*
 * Opens a client for url (tcp://, ipc://, tls+tcp://, ...). The dial does not block: a server
 * that is down is not an error here but on the first call, which then fails with UNAVAILABLE
 * and the reason ("cannot connect to tcp://127.0.0.1:7420 (connection refused)"). REQ
 * auto-resend is disabled so a write is never sent twice by the transport.
 * For tls+tcp:// a failed TLS handshake (an untrusted server certificate, a refused or
 * missing client certificate) fails the first call with UNAVAILABLE and the TLS reason.
 * o may be NULL for the defaults; st may be NULL.
 * Returns STDREG_OK and sets *out, or:
 *   STDREG_INVALID_ARGUMENT  the url is malformed or its scheme is not supported
 *   STDREG_RESOURCE_EXHAUSTED out of memory
 *   STDREG_UNAVAILABLE       nng could not set up the socket
 */
STDREG_API int stdreg_client_open(stdreg_client **out, const char *url,
                                  const struct stdreg_client_opts *o, struct stdreg_status *st);

/* Closes the socket and frees the client; NULL is ignored. Calls in flight fail. */
STDREG_API void stdreg_client_close(stdreg_client *c);

/* The url the client was opened with; owned by the client. */
STDREG_API const char *stdreg_client_url(const stdreg_client *c);

/*
 * Calls method ("GetArea" or "/stdreg.v1.Registry/GetArea") with req as payload and waits for
 * the reply until the client's timeout.
 *
 * Safe retries (DESIGN §5): every call carries a new random request_id. A write (Put*,
 * Delete*, Assign, Unassign, Transfer, SetStage, ApplyChunk, ApplyCommit) whose reply does not
 * come, because the deadline passed or the connection was lost, is sent once more with the
 * SAME request_id and a budget of its own: the daemon answers a resend as it answered the
 * first send and never applies a write twice. A write is never resent with a new request_id,
 * and reads are not resent. So a write may take up to twice the budget.
 * For tests, the environment variable STDREG_TEST_RESEND=1 sends every write twice at once
 * with the same request_id (on two nng contexts) and fails the call with INTERNAL unless both
 * replies are the same bytes. On STDREG_OK, *resp is the decoded reply payload (a
 * resp_desc message, owned by the caller: free it with protobuf_c_message_free_unpacked(*resp,
 * NULL)); on any other code *resp is not written. st (required) receives code, message,
 * violations and revision; the return value is st->code.
 * Codes made by the client:
 *   STDREG_UNAVAILABLE        cannot connect, or the connection failed
 *   STDREG_DEADLINE_EXCEEDED  no reply within the timeout
 *   STDREG_INTERNAL           the reply is not a stdreg.v1.Response for this request, or its
 *                             payload does not decode as resp_desc
 *   STDREG_RESOURCE_EXHAUSTED out of memory
 * and any code the server returns.
 */
STDREG_API int stdreg_call(stdreg_client *c, const char *method, const ProtobufCMessage *req,
                           const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp,
                           struct stdreg_status *st);

/*
 * As stdreg_call(), with a budget of timeout_ms for this call instead of the client's (0 = the
 * client's). For calls that take long by design: a long-poll Watch, a bulk ApplyCommit.
 */
STDREG_API int stdreg_call_timeout(stdreg_client *c, const char *method,
                                   const ProtobufCMessage *req,
                                   const ProtobufCMessageDescriptor *resp_desc,
                                   ProtobufCMessage **resp, uint32_t timeout_ms,
                                   struct stdreg_status *st);

/* The client's budget of each call in milliseconds. */
STDREG_API uint32_t stdreg_client_timeout(const stdreg_client *c);

/* ---- record kinds ---------------------------------------------------------------------- */

/*
 * What the generic record calls need to know about one kind of record. Methods that the kind
 * does not have are NULL (assignments have no Put or Delete: the appointment workflow writes
 * them). Goals and follow-ups have no generic calls at all (get_method, list_method,
 * list_response and list_field NULL: GetGoal, ListGoals and AddFollowUp are their own): their
 * rows are there for the bulk format and Watch, which carry every kind.
 */
struct stdreg_kind {
	const char *name; /* "area": the CLI noun and the bulk format's "kind" */
	const ProtobufCMessageDescriptor *record;
	const char *get_method;
	const char *list_method;
	const ProtobufCMessageDescriptor *list_response;
	const char *list_field; /* repeated record field of list_response: "areas" */
	const char *put_method;
	const ProtobufCMessageDescriptor *put_request;
	const char *put_field; /* record field of put_request: "area" */
	const char *delete_method;
	int kind;               /* its stdreg.v1.Kind value (KIND_AREA ...) */
	const char *bulk_field; /* its field of stdreg.v1.BulkRecord: "work_item" */
};

/* The kinds, in a fixed order, ending with a zeroed entry: every kind a BulkRecord or a
 * Change carries. Only those where stdreg_kind_generic() holds have get/list calls. */
STDREG_API extern const struct stdreg_kind stdreg_kinds[];

/* Whether k is read through the generic calls (stdreg_get, stdreg_list_page and the list
 * helpers): false for goals and follow-ups. */
STDREG_API bool stdreg_kind_generic(const struct stdreg_kind *k);

/* The kind called name ("area", "body", "agency", "item", "assignment", "goal",
 * "follow_up"); NULL if none. */
STDREG_API const struct stdreg_kind *stdreg_kind_find(const char *name);

/* The kind whose stdreg.v1.Kind value is kind; NULL if none. */
STDREG_API const struct stdreg_kind *stdreg_kind_by_value(int kind);

/* Gets record id. On STDREG_OK *rec is a kind->record message owned by the caller.
 * STDREG_UNIMPLEMENTED if the kind has no generic calls. */
STDREG_API int stdreg_get(stdreg_client *c, const struct stdreg_kind *k, const char *id,
                          ProtobufCMessage **rec, struct stdreg_status *st);

/*
 * Gets one page of records. req is a stdreg.v1.ListRequest (Stdreg__V1__ListRequest). On
 * STDREG_OK, *page is a kind->list_response message owned by the caller; read it with
 * stdreg_list_records() and stdreg_list_next(). STDREG_UNIMPLEMENTED if the kind has no
 * generic calls.
 */
STDREG_API int stdreg_list_page(stdreg_client *c, const struct stdreg_kind *k,
                                const ProtobufCMessage *req, ProtobufCMessage **page,
                                struct stdreg_status *st);

/* The records of a page (owned by the page) and their count. */
STDREG_API ProtobufCMessage **stdreg_list_records(const struct stdreg_kind *k,
                                                  const ProtobufCMessage *page, size_t *n);

/* The page token of the next page; "" on the last page. Owned by the page. */
STDREG_API const char *stdreg_list_next(const struct stdreg_kind *k, const ProtobufCMessage *page);

struct stdreg_put_opts {
	bool create_only;               /* ALREADY_EXISTS if the id exists */
	uint64_t expected_mod_revision; /* 0 = unconditional; else ABORTED on mismatch */
	const char *decision_ref;       /* NULL = none */
};

/*
 * Creates or updates rec (a kind->record message; borrowed). On STDREG_OK *out is the stored
 * record (meta filled in), owned by the caller; out may be NULL. STDREG_UNIMPLEMENTED if the
 * kind has no Put.
 */
STDREG_API int stdreg_put(stdreg_client *c, const struct stdreg_kind *k,
                          const ProtobufCMessage *rec, const struct stdreg_put_opts *o,
                          ProtobufCMessage **out, struct stdreg_status *st);

/* Deletes record id. expected_mod_revision 0 = unconditional; decision_ref may be NULL.
 * STDREG_UNIMPLEMENTED if the kind has no Delete. */
STDREG_API int stdreg_delete(stdreg_client *c, const struct stdreg_kind *k, const char *id,
                             uint64_t expected_mod_revision, const char *decision_ref,
                             struct stdreg_status *st);

/* ---- JSON mapping ---------------------------------------------------------------------- */

/*
 * The JSON object for m (see the top of this file for the mapping). Fields come in proto
 * field-number order. Returns a new reference, or NULL when out of memory.
 */
STDREG_API json_t *stdreg_json_from_message(const ProtobufCMessage *m);

/*
 * Builds a d message from the JSON object j. Rejects, naming the field (with its path for
 * nested fields: "meta.version", "areas[1].name"): unknown fields, values of the wrong JSON
 * type, unknown enum names, negative values for unsigned fields and numbers out of the field's
 * range. null stands for the field's default. On success returns 0 and *out is a new message
 * owned by the caller (free it with protobuf_c_message_free_unpacked(*out, NULL)); on failure
 * returns -1, writes one lowercase line to err ("unknown field 'nmae'") and leaves *out alone.
 */
STDREG_API int stdreg_json_to_message(const json_t *j, const ProtobufCMessageDescriptor *d,
                                      ProtobufCMessage **out, char *err, size_t errlen);

/*
 * Sets on m the fields named in the JSON object fields (same rules and errors as
 * stdreg_json_to_message), leaving every other field as it is, including fields unknown to
 * this library (so a record read from a newer server keeps them). null resets a field to its
 * default. Returns 0, or -1 with err written and m unchanged.
 */
STDREG_API int stdreg_message_merge_json(ProtobufCMessage *m, const json_t *fields, char *err,
                                         size_t errlen);

/*
 * Converts text given for field of d (a command-line flag, a CSV cell) to the JSON value the
 * mapping expects for one element of that field: a number for integer fields, the short enum
 * name for enums, true/false for bools ("true", "false", "yes", "no", "1", "0"), the string
 * itself for strings. Same errors as stdreg_json_to_message(), without the field name
 * ("expected an integer"). Returns 0 and a new reference in *out, or -1.
 */
STDREG_API int stdreg_json_value_from_text(const ProtobufCMessageDescriptor *d, const char *field,
                                           const char *text, json_t **out, char *err,
                                           size_t errlen);

/*
 * Writes the short lowercase name of enum value v of e into buf ("prioritised"); returns buf,
 * or NULL if v is not a value of e.
 */
STDREG_API const char *stdreg_enum_short_name(const ProtobufCEnumDescriptor *e, int v, char *buf,
                                              size_t len);

/* ---- bulk records and changes ---------------------------------------------------------
 *
 * The bulk format (export writes it, apply reads it) is one JSON object per record: "kind"
 * first ("area", "body", "agency", "item", "assignment", "goal", "follow_up"), then the record's fields in proto
 * order, without meta. In memory a record is a stdreg.v1.BulkRecord with one record set.
 */

/* The record a BulkRecord carries and its kind (*k, may be NULL); NULL when it carries none
 * or more than one. The record belongs to bulk. */
STDREG_API const ProtobufCMessage *stdreg_bulk_get(const ProtobufCMessage *bulk,
                                                   const struct stdreg_kind **k);

/* The bulk JSON object of a BulkRecord: "kind" first, the record's fields after, meta left
 * out. A new reference; NULL when out of memory or bulk carries no single record. */
STDREG_API json_t *stdreg_json_from_bulk(const ProtobufCMessage *bulk);

/*
 * Builds a BulkRecord from the bulk JSON object j, with line as its line number. "kind" names
 * the kind; when j has none, default_kind is used (NULL: "kind" is required). A "meta" field
 * is accepted and dropped (a record read with get -o json can be applied). Rejects what
 * stdreg_json_to_message() rejects, a missing or unknown kind, and a kind other than
 * default_kind when require_default is set. Returns 0 and a new BulkRecord in *out (free
 * with protobuf_c_message_free_unpacked(*out, NULL)), or -1 with one line in err.
 */
STDREG_API int stdreg_bulk_from_json(const json_t *j, const char *default_kind,
                                     bool require_default, uint32_t line, ProtobufCMessage **out,
                                     char *err, size_t errlen);

/*
 * The JSON object of a stdreg.v1.Change, with before and after as the JSON objects of the
 * record of its kind instead of base64 (bytes that do not decode stay base64). A new
 * reference, or NULL when out of memory.
 */
STDREG_API json_t *stdreg_json_from_change(const ProtobufCMessage *change);

/* ---- apply: a staged bulk upload, then one commit ------------------------------------ */

#define STDREG_APPLY_CHUNK_BYTES ((size_t)1 << 20) /* packed records per ApplyChunk */
#define STDREG_APPLY_INFLIGHT    4                 /* chunks in flight at once */

/*
 * Splits records (BulkRecords) into chunks whose ApplyChunkRequest.records each encode to at
 * most budget bytes (a record larger than budget travels alone), keeping their order.
 * ends[i] is one past the last record of chunk i; ends must have room for n entries.
 * Returns the number of chunks (0 when n is 0).
 */
STDREG_API size_t stdreg_apply_plan(ProtobufCMessage *const *records, size_t n, size_t budget,
                                    size_t *ends);

struct stdreg_apply_opts {
	bool dry_run;
	const char *decision_ref;   /* NULL = none */
	size_t chunk_bytes;         /* 0 = STDREG_APPLY_CHUNK_BYTES */
	unsigned inflight;          /* 0 = STDREG_APPLY_INFLIGHT */
	uint32_t commit_timeout_ms; /* budget of the commit; 0 = the client's */
	/* Called after each chunk is staged (from any thread, one call at a time); done ==
	 * total once every chunk is staged, before the commit. NULL = none. */
	void (*progress)(void *arg, size_t done_bytes, size_t total_bytes);
	void *progress_arg;
};

/*
 * Applies records (BulkRecords, borrowed; n may be 0) as one change: stages them with
 * ApplyChunk calls (the first starts the upload; the others run up to o->inflight at once),
 * then ApplyCommit. Nothing is applied before the commit: a failed or interrupted upload
 * leaves the registry as it was (the server drops the staged batch when it expires).
 * On STDREG_OK *out is the stdreg.v1.ApplyCommitResponse, owned by the caller. On
 * failure st holds the first failing call's status; line errors of the commit come as
 * STDREG_INVALID_ARGUMENT with violations ("line N", reason).
 * Codes: those of stdreg_call(), and STDREG_INTERNAL when the server staged another number
 * of records than were sent.
 */
STDREG_API int stdreg_apply(stdreg_client *c, ProtobufCMessage *const *records, size_t n,
                            const struct stdreg_apply_opts *o, ProtobufCMessage **out,
                            struct stdreg_status *st);

#endif
