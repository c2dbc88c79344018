/*
 * web_html.c - the escaping functions (web_html.h), after OWASP's XSS prevention rules #1
 * and #2 (text and quoted attributes) and its rule for URLs (allow-listed schemes).
 */
#include <string.h>
#include <strings.h>

#include "web_html.h"

void html_esc(struct wbuf *b, const char *s)
{
	const char *run;

	if (s == NULL)
		return;
	// Copy runs of plain bytes at once; stop at each byte that needs a replacement.
	for (run = s; *s != '\0'; s++) {
		const char *rep;
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#x27;";
			break;
		case 0xef:
			// U+FFFE and U+FFFF are valid UTF-8 but no XML character: one in a
			// title would make every Atom feed that shows it unreadable.
			if ((unsigned char)s[1] != 0xbf ||
			    ((unsigned char)s[2] != 0xbe && (unsigned char)s[2] != 0xbf))
				continue;
			wbuf_add(b, run, (size_t)(s - run));
			wbuf_puts(b, "\xef\xbf\xbd"); /* U+FFFD, the replacement character */
			s += 2;
			run = s + 1;
			continue;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				rep = "";
			else
				continue;
		}
		wbuf_add(b, run, (size_t)(s - run));
		wbuf_puts(b, rep);
		run = s + 1;
	}
	wbuf_add(b, run, (size_t)(s - run));
}

bool html_url_ok(const char *s)
{
	size_t skip;

	if (s == NULL)
		return false;
	if (strncasecmp(s, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		skip = 7;
	else
		return false;
	if (s[skip] == '\0' || s[skip] == '/')
		return false; // no host
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return false;
	return true;
}

void html_url_arg(struct wbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char enc[3];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			wbuf_add(b, (const char *)&c, 1);
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[c >> 4];
		enc[2] = hex[c & 15];
		wbuf_add(b, enc, 3);
	}
}
