/*
 * test_config_file.c - registryd's configuration file (config_file.c): a table of files
 * and command lines, each with what it must give or the error it must name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config_file.h"

struct outcome {
	enum config_result result;
	char out[512];
	char err[512];
	struct config cfg;
};

/* Writes text to a temporary file (NULL: none) and loads it with args after "--config F". */
static void load(const char *text, const char *const *args, struct outcome *o)
{
	char path[] = "/tmp/stdreg-conf-XXXXXX";
	char *argv[32];
	int argc = 0, fd = -1;
	struct config_args keep;
	FILE *out = fmemopen(o->out, sizeof o->out, "w");
	FILE *err = fmemopen(o->err, sizeof o->err, "w");

	assert_non_null(out);
	assert_non_null(err);
	memset(o->out, 0, sizeof o->out);
	memset(o->err, 0, sizeof o->err);
	argv[argc++] = "registryd";
	if (text != NULL) {
		fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
		close(fd);
		argv[argc++] = "--config";
		argv[argc++] = path;
	}
	for (; args != NULL && *args != NULL; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	o->result = config_load(&o->cfg, &keep, argc, argv, false, out, err);
	fclose(out);
	fclose(err);
	// The strings of cfg live in keep: copy what the cases look at before releasing.
	if (o->result == CONFIG_RUN) {
		static char data[256], url0[256], metrics[256];

		snprintf(data, sizeof data, "%s", o->cfg.data_dir);
		snprintf(url0, sizeof url0, "%s", o->cfg.urls[0]);
		snprintf(metrics, sizeof metrics, "%s",
		         o->cfg.metrics_listen != NULL ? o->cfg.metrics_listen : "");
		o->cfg.data_dir = data;
		o->cfg.urls[0] = url0;
		o->cfg.metrics_listen = metrics;
	}
	config_args_release(&keep);
	if (text != NULL)
		unlink(path);
}

static void test_values_and_comments(void **state)
{
	struct outcome o;

	(void)state;
	load("# registryd\n"
	     "\n"
	     "  data = /var/lib/stdreg   # the store\n"
	     "listen=tcp://127.0.0.1:7000\n"
	     "listen = \"ipc:///run/stdreg/a b.sock\"\n"
	     "max-message = 8192\n"
	     "contexts\t=\t8\n"
	     "no-sync = yes\n"
	     "private = false\n"
	     "log-level = warn\n"
	     "metrics-listen = http://127.0.0.1:9420\n",
	     NULL, &o);
	assert_int_equal(o.result, CONFIG_RUN);
	assert_string_equal(o.cfg.data_dir, "/var/lib/stdreg");
	assert_int_equal(o.cfg.n_urls, 2);
	assert_string_equal(o.cfg.urls[0], "tcp://127.0.0.1:7000");
	assert_int_equal(o.cfg.max_message, 8192);
	assert_int_equal(o.cfg.contexts, 8);
	assert_true(o.cfg.no_sync);
	assert_false(o.cfg.private_reads);
	assert_int_equal(o.cfg.log_level, LOG_WARN);
	assert_string_equal(o.cfg.metrics_listen, "http://127.0.0.1:9420");
}

/* http-listen may repeat in the file, as listen does; the limits are keys too. */
static void test_http_keys(void **state)
{
	struct outcome o;

	(void)state;
	load("http-listen = http://127.0.0.1:7480\n"
	     "http-listen = http://127.0.0.1:7481\n"
	     "http-idle-timeout = 9\n"
	     "http-max-body-bytes = 65536\n",
	     NULL, &o);
	assert_int_equal(o.result, CONFIG_RUN);
	assert_int_equal(o.cfg.n_http_urls, 2);
	assert_int_equal(o.cfg.http_idle_timeout, 9);
	assert_int_equal(o.cfg.http_max_body, 65536);
	load("http-max-feeds = 3\nhttp-max-feeds = 4\n", NULL, &o);
	assert_int_equal(o.result, CONFIG_USAGE);
	assert_non_null(strstr(o.err, "given twice"));
}

static void test_flags_override_the_file(void **state)
{
	static const char *const args[] = { "--data",   "/srv/other",        "--contexts=16",
		                            "--listen", "tcp://127.0.0.1:1", NULL };
	struct outcome o;

	(void)state;
	load("data = /var/lib/stdreg\ncontexts = 8\nlisten = tcp://127.0.0.1:7000\n"
	     "listen = tcp://127.0.0.1:7001\nlog-level = error\n",
	     args, &o);
	assert_int_equal(o.result, CONFIG_RUN);
	assert_string_equal(o.cfg.data_dir, "/srv/other");
	assert_int_equal(o.cfg.contexts, 16);
	// --listen on the command line replaces every listen of the file.
	assert_int_equal(o.cfg.n_urls, 1);
	assert_string_equal(o.cfg.urls[0], "tcp://127.0.0.1:1");
	assert_int_equal(o.cfg.log_level, LOG_ERROR);
}

static void test_no_file(void **state)
{
	static const char *const args[] = { "--log-level", "debug", NULL };
	struct outcome o;

	(void)state;
	load(NULL, args, &o);
	assert_int_equal(o.result, CONFIG_RUN);
	assert_int_equal(o.cfg.log_level, LOG_DEBUG);
	assert_string_equal(o.cfg.urls[0], CONFIG_DEFAULT_LISTEN);
	assert_string_equal(o.cfg.metrics_listen, "");
}

/* Each bad file is refused (exit 2) with its line named. */
static void test_errors_name_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *err; /* a part of the error after "FILE" */
	} cases[] = {
		{ "bogus = 1\n", ":1: unknown key 'bogus'" },
		{ "# ok\ndata = x\nlistne = tcp://a\n", ":3: unknown key 'listne'" },
		{ "data\n", ":1: expected '=' after 'data'" },
		{ "= x\n", ":1: expected 'key = value'" },
		{ "data =\n", ":1: key 'data' has no value" },
		{ "data = # nothing\n", ":1: key 'data' has no value" },
		{ "contexts = 0\n", ":1: invalid --contexts '0'" },
		{ "max-message = 1k\n", ":1: invalid --max-message '1k'" },
		{ "\n\nno-sync = maybe\n", ":3: invalid value 'maybe' of 'no-sync'" },
		{ "log-level = loud\n", ":1: invalid --log-level 'loud'" },
		{ "metrics-listen = tcp://127.0.0.1:1\n", ":1: invalid --metrics-listen" },
		{ "data = a\ndata = b\n", ":2: key 'data' given twice (first on line 1)" },
		{ "data = \"a\n", ":1: bad quoting in the value of 'data'" },
		{ "help = true\n", ":1: unknown key 'help'" },
		{ "config = /etc/x\n", ":1: unknown key 'config'" },
		{ "Data = x\n", ":1: expected 'key = value'" },
	};
	struct outcome o;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		load(cases[i].text, NULL, &o);
		if (o.result != CONFIG_USAGE || strstr(o.err, cases[i].err) == NULL ||
		    strncmp(o.err, "registryd: /tmp/stdreg-conf-", 28) != 0)
			fail_msg("case %zu (%s): result %d, error '%s', expected '%s'", i,
			         cases[i].text, o.result, o.err, cases[i].err);
	}
}

static void test_check_config(void **state)
{
	static const char *const check[] = { "--check-config", NULL };
	static const char *const check_bad_flag[] = { "--check-config", "--contexts", "0", NULL };
	struct outcome o;

	(void)state;
	load("data = /var/lib/stdreg\n", check, &o);
	assert_int_equal(o.result, CONFIG_EXIT);
	assert_non_null(strstr(o.out, "configuration ok"));
	load("data = /var/lib/stdreg\nbad = 1\n", check, &o);
	assert_int_equal(o.result, CONFIG_USAGE);
	assert_non_null(strstr(o.err, ":2: unknown key 'bad'"));
	load("data = /var/lib/stdreg\n", check_bad_flag, &o);
	assert_int_equal(o.result, CONFIG_USAGE);
	assert_non_null(strstr(o.err, "invalid --contexts '0'"));
}

static void test_missing_file(void **state)
{
	static const char *const args[] = { "--config", "/nonexistent/registryd.conf", NULL };
	static const char *const empty[] = { "--config", NULL };
	struct outcome o;

	(void)state;
	load(NULL, args, &o);
	assert_int_equal(o.result, CONFIG_USAGE);
	assert_non_null(strstr(o.err, "cannot read configuration '/nonexistent/registryd.conf'"));
	load(NULL, empty, &o);
	assert_int_equal(o.result, CONFIG_USAGE);
	assert_non_null(strstr(o.err, "--config needs a file"));
}

/* The environment changes nothing: STDREG_* variables are not read. */
static void test_environment_is_ignored(void **state)
{
	struct outcome o;

	(void)state;
	setenv("STDREG_ENDPOINT", "tcp://127.0.0.1:1", 1);
	setenv("STDREG_DATA", "/elsewhere", 1);
	setenv("REGISTRYD_DATA", "/elsewhere", 1);
	load("data = /var/lib/stdreg\n", NULL, &o);
	assert_int_equal(o.result, CONFIG_RUN);
	assert_string_equal(o.cfg.data_dir, "/var/lib/stdreg");
	assert_string_equal(o.cfg.urls[0], CONFIG_DEFAULT_LISTEN);
	unsetenv("STDREG_ENDPOINT");
	unsetenv("STDREG_DATA");
	unsetenv("REGISTRYD_DATA");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_and_comments),
		cmocka_unit_test(test_http_keys),
		cmocka_unit_test(test_flags_override_the_file),
		cmocka_unit_test(test_no_file),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_check_config),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_environment_is_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
