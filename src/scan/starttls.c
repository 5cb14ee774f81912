/* scan STARTTLS: the plain-text dialogue before the TLS handshake, one small state machine per
 * protocol, driven by a table of steps (read the server's answer, check it, send the next
 * command). Everything read is bounded: a line by CH_SCAN__LINE_MAX, the whole dialogue by
 * CH_SCAN__DIALOGUE_MAX. The dialogue reads byte-wise up to the end of each answer line so that
 * no byte of the TLS handshake that follows is ever consumed here. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* How a server answer ends. */
typedef enum ans_style {
	ANS_CODE,    /* "NNN-text" continues, "NNN text" ends (SMTP, FTP); ok if it starts with ok */
	ANS_LINE,    /* one line; ok if it starts with ok (POP3 "+OK", IMAP greeting "* OK") */
	ANS_TAGGED,  /* untagged "* ..." lines, then the tagged line; ok if it starts with ok */
} ans_style;

typedef struct step {
	ans_style style;
	const char *ok;     /* expected start of the (final) answer line */
	const char *send;   /* the command sent after a good answer; NULL = start TLS */
} step;

static const step smtp_steps[] = {
	{ANS_CODE, "220", "EHLO certhound.invalid\r\n"},
	{ANS_CODE, "250", "STARTTLS\r\n"},
	{ANS_CODE, "220", NULL},
};
static const step imap_steps[] = {
	{ANS_LINE, "* OK", "a001 STARTTLS\r\n"},
	{ANS_TAGGED, "a001 OK", NULL},
};
static const step pop3_steps[] = {
	{ANS_LINE, "+OK", "STLS\r\n"},
	{ANS_LINE, "+OK", NULL},
};
static const step ftp_steps[] = {
	{ANS_CODE, "220", "AUTH TLS\r\n"},
	{ANS_CODE, "234", NULL},
};

typedef struct proto {
	const char *name;
	const step *steps;
	size_t num_steps;
	int ports[2];
} proto;

static const proto protos[] = {
	[CH_SCAN_STARTTLS_SMTP] = {"smtp", smtp_steps, 3, {25, 587}},
	[CH_SCAN_STARTTLS_IMAP] = {"imap", imap_steps, 2, {143, 0}},
	[CH_SCAN_STARTTLS_POP3] = {"pop3", pop3_steps, 2, {110, 0}},
	[CH_SCAN_STARTTLS_FTP] = {"ftp", ftp_steps, 2, {21, 0}},
};

ch_err ch_scan_starttls_parse(ch_scan_starttls *out, const char *name)
{
	if (!strcmp(name, "auto"))
		*out = CH_SCAN_STARTTLS_AUTO;
	else if (!strcmp(name, "none"))
		*out = CH_SCAN_STARTTLS_NONE;
	else {
		for (int p = CH_SCAN_STARTTLS_SMTP; p <= CH_SCAN_STARTTLS_FTP; p++)
			if (!strcmp(name, protos[p].name)) {
				*out = (ch_scan_starttls)p;
				return CH_OK;
			}
		return ch_error_set(CH_ERR_INVALID, "unknown STARTTLS protocol '%s' (auto, none, "
				    "smtp, imap, pop3, ftp)", name);
	}
	return CH_OK;
}

const char *ch_scan_starttls_name(ch_scan_starttls p)
{
	if (p >= CH_SCAN_STARTTLS_SMTP && p <= CH_SCAN_STARTTLS_FTP)
		return protos[p].name;
	return p == CH_SCAN_STARTTLS_AUTO ? "auto" : "none";
}

ch_scan_starttls ch_scan__starttls_for_port(int port)
{
	for (int p = CH_SCAN_STARTTLS_SMTP; p <= CH_SCAN_STARTTLS_FTP; p++)
		if (port && (protos[p].ports[0] == port || protos[p].ports[1] == port))
			return (ch_scan_starttls)p;
	return CH_SCAN_STARTTLS_NONE;
}

void ch_scan__starttls_start(ch_scan__starttls *st, ch_scan_starttls proto)
{
	memset(st, 0, sizeof *st);
	st->proto = proto;
}

/* line_final reports whether a complete answer line ends the current answer. */
static bool line_final(const step *s, const char *line, size_t len)
{
	switch (s->style) {
	case ANS_CODE:
		return !(len >= 4 && line[3] == '-');
	case ANS_TAGGED:
		return !(len >= 2 && line[0] == '*' && line[1] == ' ');
	default:
		return true;
	}
}

/* printable copies a server line into msg for the error detail. */
static void quote_line(char *msg, size_t cap, const char *what, const char *line, size_t len)
{
	char clean[128];
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < sizeof clean; i++)
		clean[n++] = (line[i] >= 0x20 && line[i] < 0x7f) ? line[i] : '.';
	clean[n] = '\0';
	snprintf(msg, cap, "%s: \"%s\"", what, clean);
}

/* send_cmd writes the rest of the current step's command. */
static ch_scan__st_rc send_cmd(ch_scan__starttls *st, const step *s, int fd, char *msg, size_t cap)
{
	size_t len = strlen(s->send);

	while (st->sent < len) {
		ssize_t w = send(fd, s->send + st->sent, len - st->sent, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return CH_SCAN__ST_WANT_WRITE;
			snprintf(msg, cap, "send: %s", strerror(errno));
			return errno == ECONNRESET || errno == EPIPE ? CH_SCAN__ST_RESET
								     : CH_SCAN__ST_FAILED;
		}
		st->sent += (size_t)w;
	}
	st->sending = false;
	st->sent = 0;
	st->step++;
	return CH_SCAN__ST_WANT_READ;
}

ch_scan__st_rc ch_scan__starttls_step(ch_scan__starttls *st, int fd, char *msg, size_t cap)
{
	const proto *p = &protos[st->proto];

	for (;;) {
		const step *s = &p->steps[st->step];
		char c;
		ssize_t r;

		if (st->sending) {
			ch_scan__st_rc rc = send_cmd(st, &p->steps[st->step], fd, msg, cap);
			if (rc != CH_SCAN__ST_WANT_READ)
				return rc;
			continue;
		}
		r = recv(fd, &c, 1, 0);
		if (r == 0) {
			snprintf(msg, cap, "%s: connection closed during the dialogue", p->name);
			return CH_SCAN__ST_CLOSED;
		}
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return CH_SCAN__ST_WANT_READ;
			snprintf(msg, cap, "%s: recv: %s", p->name, strerror(errno));
			return errno == ECONNRESET ? CH_SCAN__ST_RESET : CH_SCAN__ST_FAILED;
		}
		if (++st->total_read > CH_SCAN__DIALOGUE_MAX) {
			snprintf(msg, cap, "%s: server said more than %d bytes before TLS", p->name,
				 CH_SCAN__DIALOGUE_MAX);
			return CH_SCAN__ST_FAILED;
		}
		if (c != '\n') {
			if (st->line_len + 1 >= sizeof st->line) {
				snprintf(msg, cap, "%s: answer line longer than %d bytes", p->name,
					 CH_SCAN__LINE_MAX);
				return CH_SCAN__ST_FAILED;
			}
			if (c != '\r')
				st->line[st->line_len++] = c;
			continue;
		}
		st->line[st->line_len] = '\0';
		if (!line_final(s, st->line, st->line_len)) {
			st->line_len = 0;
			continue;
		}
		if (strncasecmp(st->line, s->ok, strlen(s->ok)) != 0) {
			quote_line(msg, cap, p->name, st->line, st->line_len);
			return CH_SCAN__ST_FAILED;
		}
		st->line_len = 0;
		if (!s->send)
			return CH_SCAN__ST_DONE;
		st->sending = true;
	}
}
