/*
 * config_file.c - the configuration file, turned into command-line options that go in front
 * of the real ones, so that one parser (config.c) checks both and the command line wins.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_check.h"
#include "config_file.h"

#define FILE_MAX_BYTES (1u << 20)
#define LINES_MAX      1024

/* One key = value of the file. */
struct entry {
	const struct option *opt;
	char *value; /* NULL for a switch set to true */
	int line;
	bool off; /* a switch set to false: contributes nothing */
};

/* Options that are not keys: they steer the file itself, or print and exit. */
static bool not_a_key(const char *name)
{
	return strcmp(name, "help") == 0 || strcmp(name, "version") == 0 ||
	       strcmp(name, "config") == 0 || strcmp(name, "check-config") == 0;
}

static const struct option *find_option(const char *name)
{
	const struct option *o;

	for (o = config_long_options(); o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static int file_error(FILE *err, const char *path, int line, const char *fmt, const char *a,
                      const char *b)
{
	fprintf(err, "registryd: %s:%d: ", path, line);
	fprintf(err, fmt, a, b);
	fputc('\n', err);
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Cuts the value at p (after '=' and blanks): a "quoted" value, or up to a " #" comment,
 * trailing blanks removed. Returns NULL on an unterminated quote or junk after it. */
static char *cut_value(char *p)
{
	char *end, *w;

	if (*p == '"') {
		for (w = ++p, end = p; *end != '"'; end++) {
			if (*end == '\0')
				return NULL;
			if (*end == '\\' && (end[1] == '"' || end[1] == '\\'))
				end++;
			*w++ = *end;
		}
		for (end++; is_blank(*end); end++)
			;
		if (*end != '\0' && *end != '#')
			return NULL;
		*w = '\0';
		return p;
	}
	for (end = p; *end != '\0'; end++)
		if (*end == '#' && (end == p || is_blank(end[-1])))
			break;
	*end = '\0';
	while (end > p && is_blank(end[-1]))
		*--end = '\0';
	return p;
}

static bool parse_switch(const char *v, bool *on)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0) {
			*on = true;
			return true;
		}
		if (strcmp(v, no[i]) == 0) {
			*on = false;
			return true;
		}
	}
	return false;
}

/* Splits text into entries. Returns the count, or -1 after printing the error. */
static int parse_lines(char *text, const char *path, struct entry *e, FILE *err)
{
	char *line = text, *next, *key, *p;
	int n = 0, no = 0;

	for (; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		no++;
		for (p = line; is_blank(*p); p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		key = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')
			p++;
		if (p == key || (!is_blank(*p) && *p != '=' && *p != '\0'))
			return file_error(err, path, no, "expected 'key = value'%s%s", "", "");
		if (*p == '\0')
			return file_error(err, path, no, "expected '=' after '%s'%s", key, "");
		if (*p != '=') {
			*p++ = '\0';
			while (is_blank(*p))
				p++;
			if (*p != '=')
				return file_error(err, path, no, "expected '=' after '%s'%s", key,
				                  "");
		}
		*p++ = '\0';
		while (is_blank(*p))
			p++;
		if (n == LINES_MAX)
			return file_error(err, path, no, "too many lines%s%s", "", "");
		e[n].line = no;
		e[n].off = false;
		e[n].opt = find_option(key);
		if (e[n].opt == NULL || not_a_key(key))
			return file_error(err, path, no, "unknown key '%s'%s", key, "");
		for (int i = 0; i < n; i++)
			if (e[i].opt == e[n].opt && strcmp(key, "listen") != 0 &&
			    strcmp(key, "http-listen") != 0) {
				char first[16];

				snprintf(first, sizeof first, "%d", e[i].line);
				return file_error(err, path, no,
				                  "key '%s' given twice (first on line %s)", key,
				                  first);
			}
		e[n].value = cut_value(p);
		if (e[n].value == NULL)
			return file_error(err, path, no, "bad quoting in the value of '%s'%s", key,
			                  "");
		if (*e[n].value == '\0')
			return file_error(err, path, no, "key '%s' has no value%s", key, "");
		if (e[n].opt->has_arg == no_argument) {
			bool on;

			if (!parse_switch(e[n].value, &on))
				return file_error(err, path, no,
				                  "invalid value '%s' of '%s' (true or false)",
				                  e[n].value, key);
			e[n].off = !on;
			e[n].value = NULL;
		}
		n++;
	}
	return n;
}

/* Reads path whole into a malloc'd, terminated buffer. */
static char *read_file(const char *path, FILE *err)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t len;

	if (f == NULL) {
		fprintf(err, "registryd: cannot read configuration '%s' (%s)\n", path,
		        strerror(errno));
		return NULL;
	}
	buf = malloc(FILE_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(f);
		fprintf(err, "registryd: cannot read configuration '%s' (out of memory)\n", path);
		return NULL;
	}
	len = fread(buf, 1, FILE_MAX_BYTES + 1, f);
	if (ferror(f) || len > FILE_MAX_BYTES || memchr(buf, '\0', len) != NULL) {
		fprintf(err, "registryd: cannot read configuration '%s' (%s)\n", path,
		        ferror(f)              ? strerror(errno)
		        : len > FILE_MAX_BYTES ? "larger than 1 MiB"
		                               : "not a text file");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Checks one entry alone, so that a bad value is reported with its line. Returns false
 * after printing the error. */
static bool check_entry(const struct entry *e, const char *path, FILE *err)
{
	char flag[64], *msg = NULL, *nl;
	char *argv[4] = { "registryd", flag, e->value, NULL };
	struct config scratch;
	size_t len = 0;
	FILE *m;
	enum config_result r;

	if (e->off)
		return true;
	snprintf(flag, sizeof flag, "--%s", e->opt->name);
	m = open_memstream(&msg, &len);
	if (m == NULL)
		return true; /* the full parse below reports it, without a line */
	r = config_parse(&scratch, e->value != NULL ? 3 : 2, argv, m, m);
	fclose(m);
	if (r == CONFIG_USAGE && msg != NULL) {
		const char *what = strncmp(msg, "registryd: ", 11) == 0 ? msg + 11 : msg;

		if ((nl = strchr(what, '\n')) != NULL)
			*nl = '\0';
		fprintf(err, "registryd: %s:%d: %s\n", path, e->line, what);
	}
	free(msg);
	return r != CONFIG_USAGE;
}

/* Builds argv (room for 2 * n + 1 more) and flags (room for every "--key") from the entries;
 * skip_listen leaves out listen. Returns the new argc. */
static int entries_argv(const struct entry *e, int n, bool skip_listen, char **argv, int argc,
                        char *flags)
{
	size_t len = 0;

	for (int k = 0; k < n; k++) {
		if (e[k].off || (skip_listen && strcmp(e[k].opt->name, "listen") == 0))
			continue;
		argv[argc++] = flags + len;
		len += (size_t)sprintf(flags + len, "--%s", e[k].opt->name) + 1;
		if (e[k].value != NULL)
			argv[argc++] = e[k].value;
	}
	return argc;
}

static size_t flags_size(const struct entry *e, int n)
{
	size_t len = 1;

	for (int k = 0; k < n; k++)
		len += strlen(e[k].opt->name) + 3;
	return len;
}

/* Parses the file's options alone. On an error, finds the line that is wrong by itself
 * and names it; an error of several keys together (a TLS key without a tls+tcp:// listen)
 * is named by the file only. Returns false after printing the error. */
static bool check_file(const struct entry *e, int n, const char *path, char *argv0, FILE *err)
{
	char **argv = calloc((size_t)(2 * n + 2), sizeof *argv);
	char *flags = malloc(flags_size(e, n)), *msg = NULL, *nl;
	struct config scratch;
	size_t len = 0;
	FILE *m = NULL;
	int argc = 1, k;
	bool ok = false;

	if (argv == NULL || flags == NULL || (m = open_memstream(&msg, &len)) == NULL) {
		fprintf(err, "registryd: cannot read configuration '%s' (out of memory)\n", path);
		goto out;
	}
	argv[0] = argv0;
	argc = entries_argv(e, n, false, argv, argc, flags);
	ok = config_parse(&scratch, argc, argv, m, m) == CONFIG_RUN;
	fclose(m);
	if (ok)
		goto out;
	for (k = 0; k < n; k++)
		if (!check_entry(&e[k], path, err))
			goto out;
	if (msg != NULL && (nl = strchr(msg, '\n')) != NULL)
		*nl = '\0';
	fprintf(err, "registryd: %s: %s\n", path,
	        msg == NULL                            ? "invalid"
	        : strncmp(msg, "registryd: ", 11) == 0 ? msg + 11
	                                               : msg);
out:
	free(msg);
	free(flags);
	free(argv);
	return ok;
}

/* Whether the command line option at argv[i] is --NAME or --NAME=...; *with_value says
 * which. */
static bool is_opt(const char *arg, const char *name, bool *with_value)
{
	size_t k = strlen(name);

	if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, name, k) != 0)
		return false;
	if (arg[2 + k] == '\0') {
		*with_value = false;
		return true;
	}
	if (arg[2 + k] == '=') {
		*with_value = true;
		return true;
	}
	return false;
}

/* Whether argv[i] is an option of config.c that takes its value in argv[i + 1]. */
static bool takes_next(const char *arg)
{
	const struct option *o;
	bool with_value;

	for (o = config_long_options(); o->name != NULL; o++)
		if (o->has_arg == required_argument && is_opt(arg, o->name, &with_value))
			return !with_value;
	return false;
}

enum config_result config_load(struct config *c, struct config_args *keep, int argc, char **argv,
                               bool default_file, FILE *out, FILE *err)
{
	struct entry *e = NULL;
	const char *path = NULL;
	bool check = false, cli_listen = false, with_value;
	char **rest = NULL;
	int nrest = 0, n = 0, i, k;
	enum config_result r = CONFIG_USAGE;

	memset(keep, 0, sizeof *keep);
	rest = calloc((size_t)argc + 1, sizeof *rest);
	if (rest == NULL)
		return CONFIG_USAGE;
	// Take --config and --check-config out of the command line; note --listen.
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				rest[nrest++] = argv[i++];
			break;
		}
		if (is_opt(argv[i], "check-config", &with_value) && !with_value) {
			check = true;
			continue;
		}
		if (is_opt(argv[i], "config", &with_value)) {
			if (!with_value && i + 1 >= argc) {
				fprintf(err, "registryd: --config needs a file\n");
				goto out;
			}
			path = with_value ? argv[i] + strlen("--config=") : argv[++i];
			if (*path == '\0') {
				fprintf(err, "registryd: --config needs a file\n");
				goto out;
			}
			continue;
		}
		if (is_opt(argv[i], "listen", &with_value))
			cli_listen = true;
		rest[nrest++] = argv[i];
		if (takes_next(argv[i]) && i + 1 < argc)
			rest[nrest++] = argv[++i];
	}
	if (path == NULL && default_file && access(CONFIG_DEFAULT_FILE, F_OK) == 0)
		path = CONFIG_DEFAULT_FILE;
	if (path != NULL) {
		keep->text = read_file(path, err);
		if (keep->text == NULL)
			goto out;
		e = calloc(LINES_MAX, sizeof *e);
		if (e == NULL)
			goto out;
		n = parse_lines(keep->text, path, e, err);
		if (n < 0)
			goto out;
		if (!check_file(e, n, path, argv[0], err))
			goto out;
	}
	// The file's options first, as "--key" [value], then the command line's.
	keep->flags = malloc(flags_size(e, n));
	keep->argv = calloc((size_t)(2 * n + nrest + 2), sizeof *keep->argv);
	if (keep->flags == NULL || keep->argv == NULL)
		goto out;
	keep->argv[keep->argc++] = argv[0];
	keep->argc = entries_argv(e, n, cli_listen, keep->argv, keep->argc, keep->flags);
	for (k = 0; k < nrest; k++)
		keep->argv[keep->argc++] = rest[k];
	r = config_parse(c, keep->argc, keep->argv, out, err);
	// What start-up would refuse, refused here: the same for a start and --check-config.
	if (r == CONFIG_RUN && !config_check(c, err))
		r = CONFIG_USAGE;
	if (r == CONFIG_RUN && check) {
		if (path != NULL)
			fprintf(out, "registryd: configuration ok (%s)\n", path);
		else
			fprintf(out, "registryd: configuration ok (no configuration file)\n");
		r = CONFIG_EXIT;
	}
out:
	free(e);
	free(rest);
	return r;
}

void config_args_release(struct config_args *keep)
{
	free(keep->text);
	free(keep->flags);
	free(keep->argv);
	keep->text = NULL;
	keep->flags = NULL;
	keep->argv = NULL;
	keep->argc = 0;
}
