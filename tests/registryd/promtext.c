/*
 * promtext.c - see promtext.h. One pass over the lines, remembering the current family.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promtext.h"

#define NAME_MAX_LEN 200
#define FAMILIES_MAX 256

struct state {
	char families[FAMILIES_MAX][NAME_MAX_LEN]; /* families seen, to refuse them coming back */
	char type[FAMILIES_MAX][16];
	bool closed[FAMILIES_MAX]; /* its samples came and were followed by another family's */
	size_t n;
	char cur[NAME_MAX_LEN];   /* family of the samples being read */
	char series_labels[1024]; /* histogram: labels without le of the current series */
	double last_le, last_bucket, inf_bucket;
	bool have_inf;
};

static bool failf(char *why, size_t n, int line, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(why, n, "line %d: ", line);

	va_start(ap, fmt);
	if (k > 0 && (size_t)k < n)
		vsnprintf(why + k, n - (size_t)k, fmt, ap);
	va_end(ap);
	return false;
}

static bool name_char(int c, bool first, bool colon)
{
	return isalpha(c) || c == '_' || (colon && c == ':') || (!first && isdigit(c));
}

/* Reads a name at *p into out; false if none. */
static bool read_name(const char **p, char *out, bool colon)
{
	size_t k = 0;

	if (!name_char((unsigned char)**p, true, colon))
		return false;
	while (name_char((unsigned char)**p, k == 0, colon) && k + 1 < NAME_MAX_LEN)
		out[k++] = *(*p)++;
	out[k] = '\0';
	return true;
}

static int family_index(struct state *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->families[i], name) == 0)
			return (int)i;
	return -1;
}

static bool parse_value(const char *v, double *out)
{
	char *end;

	if (strcmp(v, "+Inf") == 0 || strcmp(v, "-Inf") == 0 || strcmp(v, "NaN") == 0) {
		*out = strcmp(v, "NaN") == 0 ? NAN : (v[0] == '+' ? INFINITY : -INFINITY);
		return true;
	}
	*out = strtod(v, &end);
	return end != v && *end == '\0' && isfinite(*out);
}

/* The family a sample name belongs to, given the declared type. */
static void family_of(const struct state *s, const char *name, char *fam)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	size_t len = strlen(name);

	strcpy(fam, name);
	for (size_t i = 0; i < 3; i++) {
		size_t k = strlen(sfx[i]);

		if (len > k && strcmp(name + len - k, sfx[i]) == 0) {
			char base[NAME_MAX_LEN];

			memcpy(base, name, len - k);
			base[len - k] = '\0';
			for (size_t j = 0; j < s->n; j++)
				if (strcmp(s->families[j], base) == 0 &&
				    (strcmp(s->type[j], "histogram") == 0 ||
				     strcmp(s->type[j], "summary") == 0))
					strcpy(fam, base);
		}
	}
}

static bool check_comment(struct state *s, const char *p, int line, char *why, size_t n)
{
	char name[NAME_MAX_LEN];
	bool help;
	int i;

	if (strncmp(p, "# HELP ", 7) != 0 && strncmp(p, "# TYPE ", 7) != 0)
		return true; /* a plain comment */
	help = p[2] == 'H';
	p += 7;
	if (!read_name(&p, name, true))
		return failf(why, n, line, "bad metric name after %s", help ? "HELP" : "TYPE");
	if (*p != ' ' && !(help && *p == '\0'))
		return failf(why, n, line, "junk after the metric name '%s'", name);
	i = family_index(s, name);
	if (i < 0) {
		if (s->n == FAMILIES_MAX)
			return failf(why, n, line, "too many families");
		i = (int)s->n++;
		snprintf(s->families[i], sizeof s->families[i], "%s", name);
		s->type[i][0] = '\0';
	} else if (strcmp(s->cur, name) == 0 || help) {
		if (help)
			return failf(why, n, line, "second HELP for '%s'", name);
	}
	if (strcmp(s->cur, name) == 0)
		return failf(why, n, line, "HELP or TYPE of '%s' after its samples", name);
	if (!help) {
		p++;
		if (s->type[i][0] != '\0')
			return failf(why, n, line, "second TYPE for '%s'", name);
		if (strcmp(p, "counter") && strcmp(p, "gauge") && strcmp(p, "histogram") &&
		    strcmp(p, "summary") && strcmp(p, "untyped"))
			return failf(why, n, line, "unknown type '%s'", p);
		if (strcmp(p, "counter") == 0 &&
		    (strlen(name) < 6 || strcmp(name + strlen(name) - 6, "_total") != 0))
			return failf(why, n, line, "counter '%s' does not end in _total", name);
		snprintf(s->type[i], sizeof s->type[i], "%s", p);
	}
	return true;
}

/* Parses {a="b",...} at *p; fills le (or NAN) and the labels without le. */
static bool read_labels(const char **p, double *le, char *rest, size_t rn, int line, char *why,
                        size_t n)
{
	char lname[NAME_MAX_LEN], val[512];
	size_t rl = 0;

	*le = NAN;
	rest[0] = '\0';
	if (**p != '{')
		return true;
	(*p)++;
	while (**p != '}') {
		size_t k = 0;

		if (!read_name(p, lname, false))
			return failf(why, n, line, "bad label name");
		if (*(*p)++ != '=' || *(*p)++ != '"')
			return failf(why, n, line, "label '%s' without =\"", lname);
		while (**p != '"') {
			if (**p == '\0' || **p == '\n')
				return failf(why, n, line, "unterminated value of label '%s'",
				             lname);
			if (**p == '\\') {
				(*p)++;
				if (**p != '\\' && **p != '"' && **p != 'n')
					return failf(why, n, line, "bad escape in label '%s'",
					             lname);
			}
			if (k + 1 < sizeof val)
				val[k++] = **p;
			(*p)++;
		}
		val[k] = '\0';
		(*p)++;
		if (strcmp(lname, "le") == 0) {
			if (!parse_value(val, le) && strcmp(val, "+Inf") != 0)
				return failf(why, n, line, "bad le '%s'", val);
		} else {
			rl += (size_t)snprintf(rest + rl, rl < rn ? rn - rl : 0, "%s=%s,", lname,
			                       val);
		}
		if (**p == ',')
			(*p)++;
		else if (**p != '}')
			return failf(why, n, line, "expected , or } after label '%s'", lname);
	}
	(*p)++;
	return true;
}

static bool check_sample(struct state *s, const char *p, int line, char *why, size_t n)
{
	char name[NAME_MAX_LEN], fam[NAME_MAX_LEN], rest[1024];
	double le, v;
	const char *type;
	int i;

	if (!read_name(&p, name, true))
		return failf(why, n, line, "bad metric name");
	family_of(s, name, fam);
	i = family_index(s, fam);
	if (i < 0 || s->type[i][0] == '\0')
		return failf(why, n, line, "sample of '%s' before its TYPE", fam);
	if (strcmp(s->cur, fam) != 0) {
		// A new family: one whose samples ended before must not come back.
		if (s->closed[i])
			return failf(why, n, line, "samples of '%s' are not together", fam);
		if (s->cur[0] != '\0') {
			int c = family_index(s, s->cur);

			if (c >= 0)
				s->closed[c] = true;
		}
		snprintf(s->cur, sizeof s->cur, "%s", fam);
		s->series_labels[0] = '\0';
		s->have_inf = true;
	}
	if (!read_labels(&p, &le, rest, sizeof rest, line, why, n))
		return false;
	if (*p++ != ' ')
		return failf(why, n, line, "no blank before the value of '%s'", name);
	if (!parse_value(p, &v)) {
		// A value may be followed by a timestamp.
		char buf[64];
		const char *sp = strchr(p, ' ');

		if (sp == NULL || (size_t)(sp - p) >= sizeof buf)
			return failf(why, n, line, "bad value '%s'", p);
		memcpy(buf, p, (size_t)(sp - p));
		buf[sp - p] = '\0';
		if (!parse_value(buf, &v))
			return failf(why, n, line, "bad value '%s'", buf);
	}
	type = s->type[i];
	if (strcmp(type, "counter") == 0 && v < 0)
		return failf(why, n, line, "negative counter '%s'", name);
	if (strcmp(type, "histogram") != 0)
		return true;
	if (strcmp(name, fam) == 0)
		return failf(why, n, line, "histogram sample '%s' without a suffix", name);
	if (strcmp(name + strlen(fam), "_bucket") == 0) {
		if (isnan(le))
			return failf(why, n, line, "bucket without le");
		if (strcmp(rest, s->series_labels) != 0) {
			if (!s->have_inf)
				return failf(why, n, line,
				             "series before this one has no +Inf bucket");
			snprintf(s->series_labels, sizeof s->series_labels, "%s", rest);
			s->last_le = -INFINITY;
			s->last_bucket = 0;
			s->have_inf = false;
		}
		if (le <= s->last_le)
			return failf(why, n, line, "le not increasing");
		if (v < s->last_bucket)
			return failf(why, n, line, "buckets not cumulative");
		s->last_le = le;
		s->last_bucket = v;
		if (isinf(le)) {
			s->have_inf = true;
			s->inf_bucket = v;
		}
	} else if (strcmp(name + strlen(fam), "_count") == 0) {
		if (!s->have_inf || strcmp(rest, s->series_labels) != 0)
			return failf(why, n, line, "_count without a +Inf bucket before it");
		if (v != s->inf_bucket)
			return failf(why, n, line, "_count differs from the +Inf bucket");
	} else if (!isnan(le)) {
		return failf(why, n, line, "le on '%s'", name);
	}
	return true;
}

bool promtext_check(const char *text, char *why, size_t n)
{
	struct state *s = calloc(1, sizeof *s);
	const char *p = text, *nl;
	char buf[2048];
	int line = 0;
	bool ok = true;

	if (s == NULL)
		return failf(why, n, 0, "out of memory");
	if (*text == '\0' || text[strlen(text) - 1] != '\n') {
		free(s);
		return failf(why, n, 0, "the text does not end with a newline");
	}
	for (; ok && *p != '\0'; p = nl + 1) {
		size_t len;

		nl = strchr(p, '\n');
		len = (size_t)(nl - p);
		line++;
		if (len >= sizeof buf) {
			ok = failf(why, n, line, "line too long");
			break;
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (len == 0)
			continue;
		ok = buf[0] == '#' ? check_comment(s, buf, line, why, n)
		                   : check_sample(s, buf, line, why, n);
	}
	if (ok && !s->have_inf)
		ok = failf(why, n, line, "last histogram series has no +Inf bucket");
	free(s);
	return ok;
}

double promtext_value(const char *text, const char *series)
{
	size_t k = strlen(series);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, series, k) == 0 && p[k] == ' ')
			return strtod(p + k + 1, NULL);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}
