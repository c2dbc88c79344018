/*
 * config_check.c - start-up's checks short of binding (config_check.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_check.h"

/* Checks "HOST:PORT" (HOST may be "[v6]" or empty; PORT 0..65535); why says what is wrong. */
static bool check_host_port(const char *hp, const char **why)
{
	const char *colon;
	char *end;
	long port;

	if (*hp == '[') {
		const char *close = strchr(hp, ']');
		colon = close != NULL && close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strrchr(hp, ':');
	}
	if (colon == NULL || colon[1] == '\0') {
		*why = "no port";
		return false;
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 || port > 65535) {
		*why = "the port is not a number in 0..65535";
		return false;
	}
	return true;
}

static bool check_listen(const char *url, FILE *err)
{
	const char *why = NULL;

	if (strncmp(url, "tcp://", 6) == 0)
		check_host_port(url + 6, &why);
	else if (strncmp(url, "tls+tcp://", 10) == 0)
		check_host_port(url + 10, &why);
	else if (strncmp(url, "ipc://", 6) == 0)
		why = url[6] == '\0' ? "no socket path" : NULL;
	else
		why = "not tcp://HOST:PORT, tls+tcp://HOST:PORT or ipc:///PATH";
	if (why != NULL)
		fprintf(err, "registryd: invalid --listen '%s' (%s)\n", url, why);
	return why == NULL;
}

/* The daemon reads these at start-up; a file that cannot be read stops it there. */
static bool check_readable(const char *flag, const char *path, FILE *err)
{
	struct stat sb;
	int fd;

	if (path == NULL)
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(err, "registryd: cannot read %s '%s' (%s)\n", flag, path, strerror(errno));
		return false;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fprintf(err, "registryd: cannot read %s '%s' (not a regular file)\n", flag, path);
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

bool config_check(const struct config *c, FILE *err)
{
	const char *why = NULL;
	struct stat sb;

	for (size_t i = 0; i < c->n_urls; i++)
		if (!check_listen(c->urls[i], err))
			return false;
	if (c->metrics_listen != NULL && !check_host_port(c->metrics_listen + 7, &why)) {
		fprintf(err, "registryd: invalid --metrics-listen '%s' (%s)\n", c->metrics_listen,
		        why);
		return false;
	}
	if (!check_readable("--tls-cert", c->tls_cert, err) ||
	    !check_readable("--tls-key", c->tls_key, err) ||
	    !check_readable("--tls-ca", c->tls_ca, err))
		return false;
	if (stat(c->data_dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
		fprintf(err, "registryd: invalid --data '%s' (not a directory)\n", c->data_dir);
		return false;
	}
	return true;
}
