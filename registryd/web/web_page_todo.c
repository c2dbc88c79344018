/* Pages not written yet answer 404. */
#include "web_pages.h"
#define TODO(f)                       \
	unsigned f(struct web_ctx *c) \
	{                             \
		(void)c;              \
		return 404;           \
	}
TODO(web_page_area_feed)
TODO(web_page_bodies)
TODO(web_page_body)
TODO(web_page_report)
TODO(web_page_changes)
TODO(web_page_changes_feed)
