/* report: the exposure result as one self-contained HTML page. The JSON document is embedded
 * (every '<' written as \u003c so no text can close the script element) and the figures are
 * drawn from it by the inline script (html_exposure.js, embedded as html_exposure_js.inc). */
#include "internal.h"

#include <certhound/report_exposure.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "html_exposure_js.inc"

#define EXPO_HTML_MAX (512u << 20)

static const char head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	"script-src 'unsafe-inline'; style-src 'unsafe-inline'\">\n"
	"<title>certhound exposure report</title>\n<style>\n"
	"body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}\n"
	"h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}\n"
	".cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;"
	"padding:.6em 1em;min-width:8em}.card b{display:block;font-size:1.6em}\n"
	"svg{width:100%;height:auto;background:#fafafa;border:1px solid #eee}\n"
	"svg text{font-size:11px;fill:#333}svg .tick{font-size:10px;fill:#666}"
	"svg .axis{stroke:#999}svg .new{fill:#c00;font-weight:bold}\n"
	"svg rect.day.due{stroke:#900;stroke-width:2}svg .edge{fill:none;stroke:#bbb}"
	"svg .node circle{fill:#4e79a7}svg .node.leak circle{fill:#d00}"
	"svg .node.leak text{fill:#d00;font-weight:bold}\n"
	"table{border-collapse:collapse;width:100%;font-size:12px}"
	"td,th{border-bottom:1px solid #eee;padding:2px 6px;text-align:left;vertical-align:top}\n"
	"</style></head><body>\n"
	"<h1>Certificate exposure of <span id=\"subjects\"></span></h1>\n"
	"<p>As of <span id=\"asof\"></span>, from the certhound store. What an adversary mining "
	"certificate transparency sees (ATT&amp;CK T1596.003).</p>\n"
	"<div class=\"cards\" id=\"summary\"></div>\n"
	"<h2>Issuance over time, per CA</h2><svg id=\"fig-issuance\" role=\"img\"></svg>\n"
	"<h2>Expiry calendar (next 91 days; outlined: no successor)</h2>"
	"<svg id=\"fig-expiry\" role=\"img\" style=\"max-width:500px\"></svg>\n"
	"<h2>Leaked internal names</h2><table id=\"t-leaks\"></table>\n"
	"<h2>Expiring within 90 days</h2><table id=\"t-expiring\"></table>\n"
	"<h2>Renewal gaps</h2><table id=\"t-gaps\"></table>\n"
	"<h2>Certificate authorities</h2><table id=\"t-cas\"></table>\n"
	"<h2>Weak keys and signatures</h2><table id=\"t-weak\"></table>\n"
	"<h2>Names</h2><svg id=\"fig-names\" role=\"img\"></svg>\n"
	"<h2>Certificates</h2><table id=\"t-certs\"></table>\n"
	"<script type=\"application/json\" id=\"exposure-data\">";

static const char mid[] = "</script>\n<script>\n";
static const char tail[] = "</script>\n</body></html>\n";

/* embed appends the JSON with '<', '>' and '&' as \u escapes (valid JSON, inert in HTML). */
static ch_err embed(ch_buf *out, const ch_buf *json)
{
	ch_err err = CH_OK;

	for (size_t i = 0; !err && i < json->len; i++) {
		char c = json->data[i];
		if (c == '<')
			err = ch_buf_puts(out, "\\u003c");
		else if (c == '>')
			err = ch_buf_puts(out, "\\u003e");
		else if (c == '&')
			err = ch_buf_puts(out, "\\u0026");
		else
			err = ch_buf_putc(out, c);
	}
	return err;
}

ch_err ch_report_exposure_html(FILE *f, const ch_exposure_result *r)
{
	ch_buf json, page;
	ch_err err = CH_OK;

	ch_buf_init(&json, EXPO_HTML_MAX);
	ch_buf_init(&page, EXPO_HTML_MAX);
	CH_TRY(ch_report_exposure_json(&json, r, false));
	CH_TRY(ch_buf_puts(&page, head));
	CH_TRY(embed(&page, &json));
	CH_TRY(ch_buf_puts(&page, mid));
	CH_TRY(ch_buf_puts(&page, expo_js));
	CH_TRY(ch_buf_puts(&page, tail));
	if (fwrite(page.data, 1, page.len, f) != page.len || fflush(f) != 0)
		err = ch_error_set(CH_ERR_IO, "writing the HTML report: %s", strerror(errno));
out:
	ch_buf_free(&json);
	ch_buf_free(&page);
	return err;
}
