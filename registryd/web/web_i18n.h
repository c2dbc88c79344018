/*
 * web_i18n.h - the web view's languages and its one table of strings (web_strings.def).
 */
#ifndef REGISTRYD_WEB_I18N_H
#define REGISTRYD_WEB_I18N_H

enum web_lang {
	LANG_SV, /* served at / */
	LANG_EN, /* served at /en/ */
};

enum web_str {
#define WS(key, sv, en) S_##key,
#include "web_strings.def"
#undef WS
	S_COUNT_
};

/* The string of key in lang (never NULL). */
const char *web_str(enum web_lang lang, enum web_str key);

/* "sv" or "en": the value of the lang attribute. */
const char *web_lang_code(enum web_lang lang);

#endif
