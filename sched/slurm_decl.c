/* slurm_decl.c - what a job tells powerpark through Slurm (see slurm.h):
 * the pp: declaration in its comment, and the GPUs in a GRES string. Pure
 * string work, at the bottom of sched: the job reader (slurm_jobs.c) and
 * the adapter's loop (adapter.c) use it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/config.h"
#include "powerpark/slurm.h"
#include "slurm_int.h"

/* pp:curve=X:Y,X:Y... (the text after '='): points into d; NULL, or why not. */
static const char *curve_token(const char *v, struct pp_slurm_decl *d)
{
	size_t n = 0;
	while (*v) {
		char *e;
		if (n == PP_CTL_CURVE_MAX)
			return "more than 7 points";
		double x = strtod(v, &e);
		if (e == v || *e != ':')
			return "expected X:Y pairs, comma-separated";
		v = e + 1;
		double y = strtod(v, &e);
		if (e == v || (*e && *e != ','))
			return "expected X:Y pairs, comma-separated";
		d->curve[n][0] = x;
		d->curve[n++][1] = y;
		v = *e ? e + 1 : e;
	}
	const char *why = pp_ctl_curve_check((const double(*)[2])d->curve, n);
	if (!why)
		d->ncurve = n;
	return why;
}

void pp_slurm_decl_parse(const char *comment, const char *partition, struct pp_slurm_decl *d)
{
	memset(d, 0, sizeof *d);
	d->cls = -1;
	d->weight = 1;
	const char *p = comment ? comment : "", *end = strstr(p, PP_SLURM_SEP);
	if (!end)
		end = p + strlen(p);
	while (p < end) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		const char *q = p;
		while (q < end && !isspace((unsigned char)*q))
			q++;
		char tok[PP_SLURM_MAX_TOKEN];
		snprintf(tok, sizeof tok, "%.*s", (int)(q - p), p);
		p = q;
		if (!tok[0] || strncmp(tok, "pp:", 3))
			continue; /* the rest of the comment is the user's */
		char *stop = NULL;
		double w;
		if (!strcmp(tok, "pp:defer"))
			d->deferrable = 1;
		else if (!strncmp(tok, "pp:class=", 9) && pp_config_job_class(tok + 9) >= 0)
			d->cls = pp_config_job_class(tok + 9);
		else if (!strncmp(tok, "pp:weight=", 10) && (w = strtod(tok + 10, &stop)) > 0 &&
			 w < 1e6 && stop != tok + 10 && !*stop)
			d->weight = w;
		else if (!strncmp(tok, "pp:curve=", 9)) {
			const char *why = curve_token(tok + 9, d);
			if (why && !d->bad[0])
				snprintf(d->bad, sizeof d->bad, "%.60s (%s)", tok, why);
		} else if (!d->bad[0])
			snprintf(d->bad, sizeof d->bad, "%s", tok);
	}
	if (d->cls < 0)
		d->cls = partition && pp_config_job_class(partition) >= 0 ? pp_config_job_class(partition)
									 : PP_JOB_TRAINING;
}

/* GPUs in one GRES item (without its "gres:" or "gres/" prefix). */
static int item_gpus(const char *it, size_t len)
{
	if (len < 3 || strncmp(it, "gpu", 3) || (len > 3 && !strchr(":(=", it[3])))
		return 0;
	const char *end = it + len, *par = memchr(it, '(', len);
	const char *head_end = par ? par : end;
	/* gpu[:type]:N or gpu=N: the count is the last field, when numeric. */
	const char *c = head_end;
	while (c > it && isdigit((unsigned char)c[-1]))
		c--;
	if (c < head_end && c > it + 3 && (c[-1] == ':' || c[-1] == '='))
		return atoi(c);
	if (par && !strncmp(par, "(IDX:", 5)) {
		/* Only indices ("0-3,5"): the count is what they cover. */
		int n = 0;
		const char *r = par + 5;
		while (r < end && *r != ')') {
			char *e1;
			long lo = strtol(r, &e1, 10), hi = lo;
			if (e1 == r)
				break;
			if (*e1 == '-')
				hi = strtol(e1 + 1, &e1, 10);
			n += (int)(hi - lo + 1);
			r = *e1 == ',' ? e1 + 1 : e1;
		}
		return n;
	}
	return 1; /* "gpu" or "gpu:type" alone asks for one */
}

int pp_slurm_gpus(const char *gres)
{
	int total = 0;
	const char *p = gres ? gres : "";
	while (*p) {
		/* Items are split by commas outside parentheses. */
		const char *q = p;
		int depth = 0;
		while (*q && (depth || *q != ',')) {
			depth += *q == '(' ? 1 : *q == ')' ? -1 : 0;
			q++;
		}
		const char *it = p;
		if (!strncmp(it, "gres:", 5) || !strncmp(it, "gres/", 5))
			it += 5;
		total += item_gpus(it, (size_t)(q - it));
		p = *q ? q + 1 : q;
	}
	return total;
}
