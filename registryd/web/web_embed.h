/*
 * web_embed.h - files of the repository built into the daemon (embed.py writes them as
 * strings at build time): the style sheet and the accessibility statement's sources.
 */
#ifndef REGISTRYD_WEB_EMBED_H
#define REGISTRYD_WEB_EMBED_H

extern const char web_css[];     /* registryd/web/web_style.css */
extern const char web_a11y_sv[]; /* data/accessibility-sv.md */
extern const char web_a11y_en[]; /* data/accessibility-en.md */

#endif
