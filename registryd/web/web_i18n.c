/*
 * web_i18n.c - the string table: every key has both languages (a missing one does not
 * compile, since each WS row names both).
 */
#include "web_i18n.h"

static const char *const strings[][2] = {
#define WS(key, sv, en) [S_##key] = { sv, en },
#include "web_strings.def"
#undef WS
};

const char *web_str(enum web_lang lang, enum web_str key)
{
	if ((unsigned)key >= S_COUNT_)
		return "";
	return strings[key][lang == LANG_EN ? 1 : 0];
}

const char *web_lang_code(enum web_lang lang)
{
	return lang == LANG_EN ? "en" : "sv";
}
