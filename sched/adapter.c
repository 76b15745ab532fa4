/* adapter.c - `powerpark slurm`'s loop (see slurm.h): each interval it
 * reads Slurm's jobs, sends powerpark the whole view in one sync, and acts
 * on the answer: held jobs that fit (for the dwell) are released, the
 * others get powerpark's reason in their comment. When powerpark cannot be
 * reached, held jobs follow the configured fail-open or fail-closed rule;
 * nothing is cancelled either way. */
#include <curl/curl.h>
#include <errno.h>
#include <slurm/slurm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapter_http.h"
#include "powerpark/buf.h"
#include "powerpark/clock.h"
#include "powerpark/config.h"
#include "powerpark/log.h"
#include "powerpark/slurm.h"
#include "slurm_int.h"

#define PP_SLURM_MAX_WARNED 256 /* jobs whose bad declaration is remembered as logged */
#define PP_SLURM_RACKS_S 60     /* the identity map reads Slurm's nodes again after this */

struct nmap {
	char *node, *rack;
};

struct pend {
	uint32_t id;
	int64_t fits_since_ns;     /* powerpark has said start since then; 0 when it says hold */
	int seen;
};

struct adapter {
	const struct pp_slurm_opts *o;
	struct pp_httpc_group opt; /* the optimizer's replicas (--url, comma-separated) */
	CURL *curl;
	struct pp_buf resp;
	struct nmap *map;          /* sorted by node */
	size_t nmap;
	char **racks;              /* the racks Slurm runs jobs on */
	size_t nracks;
	int64_t racks_ns;          /* when they were read (identity map: from Slurm) */
	struct pend *pend;
	size_t npend, cappend;
	int64_t down_since_ns;     /* powerpark unreachable since; 0 when it answers */
	uint32_t warned[PP_SLURM_MAX_WARNED]; /* jobs whose bad declaration was logged (a ring) */
	size_t nwarned;
	struct pp_log_backoff bo_http, bo_slurm;
	unsigned long released, held_now;
};

static int map_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nmap *)a)->node, ((const struct nmap *)b)->node);
}

static const char *rack_of(const struct adapter *ad, const char *node)
{
	if (!ad->o->map)
		return node;
	struct nmap key = {(char *)node, NULL};
	const struct nmap *m = bsearch(&key, ad->map, ad->nmap, sizeof *ad->map, map_cmp);
	return m ? m->rack : NULL;
}

static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

/* Reads "NODES RACK" lines; errors name FILE:LINE:COLUMN. */
static enum pp_err map_load(struct adapter *ad, const char *file, struct pp_errbuf *eb)
{
	FILE *f = fopen(file, "r");
	if (!f)
		return pp_err_set(eb, PP_ERR_IO, "%s: %s", file, strerror(errno));
	char line[1024];
	int ln = 0;
	size_t cap = 0, rcap = 0;
	enum pp_err e = PP_OK;
	while (!e && fgets(line, sizeof line, f)) {
		ln++;
		char *h = strchr(line, '#');
		if (h)
			*h = 0;
		char nodes[512], rack[128], extra[8];
		int col = 1;
		while (line[col - 1] == ' ' || line[col - 1] == '\t')
			col++;
		int k = sscanf(line, "%511s %127s %7s", nodes, rack, extra);
		if (k <= 0)
			continue;
		if (k != 2) {
			e = pp_err_set(eb, PP_ERR_CONFIG, "%s:%d:%d: expected \"NODES RACK\" (a Slurm "
				    "host list and one rack name)", file, ln, col);
			break;
		}
		char **names;
		size_t n;
		if (pp_sj_hostlist(nodes, &names, &n, eb)) {
			e = pp_err_set(eb, PP_ERR_CONFIG, "%s:%d:%d: '%s' is not a Slurm host list", file,
				    ln, col, nodes);
			break;
		}
		for (size_t i = 0; i < n && !e; i++) {
			if (pp_buf_array_grow(&ad->map, &cap, ad->nmap + 1, sizeof *ad->map)) {
				e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
				break;
			}
			ad->map[ad->nmap].node = names[i];
			ad->map[ad->nmap].rack = strdup(rack);
			names[i] = NULL;
			if (!ad->map[ad->nmap++].rack)
				e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		}
		strings_free(names, n);
		if (!e && !has(ad->racks, ad->nracks, rack)) {
			if (pp_buf_array_grow(&ad->racks, &rcap, ad->nracks + 1, sizeof *ad->racks) ||
			    !(ad->racks[ad->nracks] = strdup(rack)))
				e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
			else
				ad->nracks++;
		}
	}
	fclose(f);
	if (e)
		return e;
	if (!ad->nmap)
		return pp_err_set(eb, PP_ERR_CONFIG, "%s: no \"NODES RACK\" line", file);
	qsort(ad->map, ad->nmap, sizeof *ad->map, map_cmp);
	for (size_t i = 1; i < ad->nmap; i++)
		if (!strcmp(ad->map[i].node, ad->map[i - 1].node))
			return pp_err_set(eb, PP_ERR_CONFIG, "%s: node %s is mapped twice", file,
				       ad->map[i].node);
	return PP_OK;
}

static struct pend *pend_of(struct adapter *ad, uint32_t id)
{
	for (size_t i = 0; i < ad->npend; i++)
		if (ad->pend[i].id == id)
			return &ad->pend[i];
	if (pp_buf_array_grow(&ad->pend, &ad->cappend, ad->npend + 1, sizeof *ad->pend))
		return NULL;
	ad->pend[ad->npend] = (struct pend){id, 0, 0};
	return &ad->pend[ad->npend++];
}

/* The job's comment with text after its declaration; written only when it
 * changes (every update is a write to slurmctld's state). */
static void say(struct adapter *ad, const struct slurm_job *s, const char *text, int release)
{
	const char *sep = strstr(s->comment, PP_SLURM_SEP);
	size_t dl = sep ? (size_t)(sep - s->comment) : strlen(s->comment);
	char c[512];
	snprintf(c, sizeof c, "%.*s%s%s", (int)dl, s->comment, PP_SLURM_SEP, text);
	if (!release && !strcmp(c, s->comment))
		return;
	struct pp_errbuf eb;
	if (pp_sj_update(s->id, c, release, &eb)) {
		if (pp_log_backoff_hit(&ad->bo_slurm, pp_clock_mono_ns()))
			pp_log(PP_LOG_WARN, "slurm", "%s", eb.msg);
		return;
	}
	if (release) {
		ad->released++;
		pp_log(PP_LOG_INFO, "slurm", "job %u released: %s", s->id, text);
	}
}

/* Logs a declaration it does not understand, once per job. */
static void warn_decl(struct adapter *ad, const struct slurm_job *s,
		      const struct pp_slurm_decl *d)
{
	size_t n = ad->nwarned < PP_SLURM_MAX_WARNED ? ad->nwarned : PP_SLURM_MAX_WARNED;
	for (size_t i = 0; i < n; i++)
		if (ad->warned[i] == s->id)
			return;
	ad->warned[ad->nwarned++ % PP_SLURM_MAX_WARNED] = s->id;
	pp_log(PP_LOG_WARN, "slurm", "job %u: '%s' is not understood (pp:defer, pp:class="
	       "training|inference|batch, pp:weight=W, pp:curve=X:Y,...); taken as %s, weight %g%s",
	       s->id, d->bad,
	       pp_config_job_class_name(d->cls), d->weight, d->deferrable ? ", deferrable" : "");
}

/* The arrays of one sync request (build_view), freed after the call. */
struct view {
	struct pp_ctl_run_job *run;
	struct pp_ctl_pend_job *pend;
	struct pp_ctl_place *place;
	char (*run_id)[PP_SLURM_ID_LEN], (*pend_id)[PP_SLURM_ID_LEN]; /* the ids in decimal */
	size_t nrun, npend, nplace;
};

/* The sync's view of the jobs js (borrowed) into v and req: the racks,
 * the running jobs by rack, the held jobs in submit order (Slurm's job ids
 * grow with submission). Declarations it does not understand are logged. */
static int build_view(struct adapter *ad, const struct slurm_jobs *js, struct view *v,
		      struct pp_ctl_sync_req *req)
{
	size_t nplace = 0;
	for (size_t i = 0; i < js->n; i++)
		nplace += js->v[i].running ? js->v[i].nnodes : 0;
	memset(v, 0, sizeof *v);
	v->run = calloc(js->n + 1, sizeof *v->run);
	v->pend = calloc(js->n + 1, sizeof *v->pend);
	v->place = calloc(nplace + 1, sizeof *v->place);
	v->run_id = calloc(js->n + 1, sizeof *v->run_id);
	v->pend_id = calloc(js->n + 1, sizeof *v->pend_id);
	if (!v->run || !v->pend || !v->place || !v->run_id || !v->pend_id)
		return -1;
	for (size_t i = 0; i < js->n; i++) {
		const struct slurm_job *s = &js->v[i];
		struct pp_slurm_decl d;
		pp_slurm_decl_parse(s->comment, s->partition, &d);
		if (d.bad[0])
			warn_decl(ad, s, &d);
		if (!s->running) {
			if (s->pp_held && s->gpus > 0) {
				snprintf(v->pend_id[v->npend], PP_SLURM_ID_LEN, "%u", s->id);
				v->pend[v->npend] = (struct pp_ctl_pend_job){v->pend_id[v->npend], s->gpus};
				v->npend++;
			}
			continue;
		}
		if (s->gpus <= 0)
			continue;
		snprintf(v->run_id[v->nrun], PP_SLURM_ID_LEN, "%u", s->id);
		struct pp_ctl_run_job *r = &v->run[v->nrun];
		*r = (struct pp_ctl_run_job){.id = v->run_id[v->nrun], .cls = d.cls,
					     .weight = d.weight, .place = &v->place[v->nplace],
					     .ncurve = d.ncurve};
		memcpy(r->curve, d.curve, sizeof r->curve);
		v->nrun++;
		for (size_t k = 0; k < s->nnodes; k++) {
			const char *rack = rack_of(ad, s->node[k]);
			if (rack && s->node_gpus[k] > 0) {
				v->place[v->nplace++] = (struct pp_ctl_place){rack, s->node_gpus[k]};
				r->nplace++;
			}
		}
	}
	*req = (struct pp_ctl_sync_req){(const char *const *)ad->racks, ad->nracks, v->run, v->nrun,
					v->pend, v->npend};
	return 0;
}

static void view_free(struct view *v)
{
	free(v->run);
	free(v->pend);
	free(v->place);
	free(v->run_id);
	free(v->pend_id);
}

static int by_id(const void *a, const void *b)
{
	uint32_t x = ((const struct slurm_job *)a)->id, y = ((const struct slurm_job *)b)->id;
	return x < y ? -1 : x > y;
}

/* Acts on powerpark's answer for the held jobs. */
static void decide(struct adapter *ad, const struct slurm_jobs *js, const struct sync_ans *ans,
		   int64_t now_ns)
{
	ad->held_now = 0;
	for (size_t i = 0; i < ans->n; i++) {
		const char *dec = ans->v[i].decision, *why = ans->v[i].reason;
		uint32_t id = ans->v[i].id;
		struct slurm_job key = {.id = id};
		const struct slurm_job *s = bsearch(&key, js->v, js->n, sizeof *js->v, by_id);
		struct pend *p = s ? pend_of(ad, id) : NULL;
		if (!p || !dec)
			continue;
		p->seen = 1;
		if (strcmp(dec, "start")) {
			p->fits_since_ns = 0;
			ad->held_now++;
			say(ad, s, why ? why : "powerpark holds it", 0);
			continue;
		}
		if (!p->fits_since_ns)
			p->fits_since_ns = now_ns;
		int64_t waited = (now_ns - p->fits_since_ns) / 1000000000;
		char text[200];
		if (waited >= ad->o->dwell_s) {
			snprintf(text, sizeof text, PP_SLURM_STARTED ", it fits under every limit "
				 "(checked for %lld s)", (long long)waited);
			say(ad, s, text, 1);
		} else {
			ad->held_now++;
			snprintf(text, sizeof text, "powerpark: fits now; starts if it still fits "
				 "after %d s", ad->o->dwell_s);
			say(ad, s, text, 0);
		}
	}
}

/* powerpark is unreachable: after fail_after_s, the held jobs follow the
 * fail rule, and their comment says so. */
static void fail_mode(struct adapter *ad, const struct slurm_jobs *js, int64_t now_ns)
{
	if (now_ns - ad->down_since_ns < (int64_t)ad->o->fail_after_s * 1000000000)
		return;
	time_t t = (time_t)(pp_clock_wall_ns() / 1000000000 -
			    (now_ns - ad->down_since_ns) / 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char text[160];
	snprintf(text, sizeof text, "powerpark unreachable since %02d:%02d:%02dZ: %s", tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ad->o->fail_open ? PP_SLURM_FAIL_OPEN
							: "held (fail-closed)");
	for (size_t i = 0; i < js->n; i++)
		if (!js->v[i].running && js->v[i].pp_held)
			say(ad, &js->v[i], text, ad->o->fail_open);
}

static void refresh_racks(struct adapter *ad, int64_t now_ns)
{
	if (ad->o->map ||
	    (ad->racks_ns && now_ns - ad->racks_ns < PP_SLURM_RACKS_S * 1000000000LL))
		return;
	char **names;
	size_t n;
	struct pp_errbuf eb;
	if (pp_sj_nodes(&names, &n, &eb)) {
		if (pp_log_backoff_hit(&ad->bo_slurm, now_ns))
			pp_log(PP_LOG_WARN, "slurm", "%s", eb.msg);
		return;
	}
	strings_free(ad->racks, ad->nracks);
	ad->racks = names;
	ad->nracks = n;
	ad->racks_ns = now_ns;
}

static void step(struct adapter *ad)
{
	int64_t now = pp_clock_mono_ns();
	struct slurm_jobs js;
	struct pp_errbuf eb;
	refresh_racks(ad, now);
	if (pp_sj_load(&js, &eb)) {
		if (pp_log_backoff_hit(&ad->bo_slurm, now))
			pp_log(PP_LOG_WARN, "slurm", "%s", eb.msg);
		return;
	}
	/* By id: held jobs go to powerpark in submit order, and answers are
	 * matched by binary search. */
	qsort(js.v, js.n, sizeof *js.v, by_id);
	struct view v;
	struct pp_ctl_sync_req req;
	struct sync_ans ans = {0};
	int answered = 0;
	long code = build_view(ad, &js, &v, &req)
			    ? -1
			    : adapter_sync(ad->curl, &ad->opt, ad->o->token, &req, &ad->resp, &ans,
					   &answered);
	view_free(&v);
	for (size_t i = 0; i < ad->npend; i++)
		ad->pend[i].seen = 0;
	if (answered) {
		uint64_t n = pp_log_backoff_reset(&ad->bo_http);
		if (ad->down_since_ns || n)
			pp_log(PP_LOG_INFO, "slurm", "powerpark answers again");
		ad->down_since_ns = 0;
		decide(ad, &js, &ans, now);
		adapter_sync_free(&ans);
	} else {
		if (!ad->down_since_ns)
			ad->down_since_ns = now;
		if (pp_log_backoff_hit(&ad->bo_http, now))
			pp_log(PP_LOG_WARN, "slurm", "powerpark at %s: %s%.*s", pp_httpc_group_base(&ad->opt),
			       code < 0 ? "no answer" : "HTTP error ",
			       code < 0 ? 0 : (int)(ad->resp.len > 200 ? 200 : ad->resp.len),
			       ad->resp.data ? ad->resp.data : "");
		fail_mode(ad, &js, now);
		for (size_t i = 0; i < ad->npend; i++)
			ad->pend[i].seen = 1; /* keep the dwell clocks through an outage */
	}
	/* A held job that asks for no GPUs draws nothing powerpark plans:
	 * it is let go at once. */
	for (size_t i = 0; i < js.n; i++)
		if (!js.v[i].running && js.v[i].pp_held && js.v[i].gpus <= 0)
			say(ad, &js.v[i], PP_SLURM_STARTED ": it asks for no GPUs", 1);
	/* Forget jobs that started or left. */
	for (size_t i = 0; i < ad->npend;)
		if (!ad->pend[i].seen)
			ad->pend[i] = ad->pend[--ad->npend];
		else
			i++;
	pp_sj_free(&js);
}

enum pp_err pp_slurm_run(const struct pp_slurm_opts *o, volatile sig_atomic_t *stop,
			 struct pp_errbuf *eb)
{
	struct pp_httpc_group g;
	if (!o->url || strncmp(o->url, "http", 4) || pp_httpc_group_init(&g, o->url))
		return pp_err_set(eb, PP_ERR_ARG, "--url: expected http://HOST:PORT of powerpark "
			       "optimize (replicas: up to %d, comma-separated)", PP_HTTPC_URLS);
	if (o->interval_ms < 100 || o->interval_ms > 600000)
		return pp_err_set(eb, PP_ERR_ARG, "--interval-ms: expected 100 to 600000");
	if (o->dwell_s < 0 || o->dwell_s > 86400)
		return pp_err_set(eb, PP_ERR_ARG, "--dwell-s: expected 0 to 86400");
	if (o->fail_after_s < 0 || o->fail_after_s > 86400)
		return pp_err_set(eb, PP_ERR_ARG, "--fail-after-s: expected 0 to 86400");
	/* libslurm retries a missing slurm.conf for a minute, then exits the
	 * process: say so at once instead. */
	const char *conf = getenv("SLURM_CONF") ? getenv("SLURM_CONF") : "/etc/slurm/slurm.conf";
	if (access(conf, R_OK))
		return pp_err_set(eb, PP_ERR_ARG, "%s: %s (SLURM_CONF names the cluster's slurm.conf)",
			       conf, strerror(errno));
	struct adapter ad;
	memset(&ad, 0, sizeof ad);
	ad.o = o;
	ad.opt = g;
	pp_buf_init(&ad.resp);
	slurm_init(conf);
	enum pp_err e = PP_OK;
	if (o->map && (e = map_load(&ad, o->map, eb)))
		goto out;
	if (!(ad.curl = curl_easy_init())) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "curl_easy_init failed");
		goto out;
	}
	/* Slurm must answer once before the loop: a wrong SLURM_CONF is an
	 * error to see now, not a log line. */
	struct slurm_jobs js;
	if ((e = pp_sj_load(&js, eb)))
		goto out;
	pp_sj_free(&js);
	pp_log(PP_LOG_INFO, "slurm", "adapter for %s: every %d ms, dwell %d s, fail-%s after %d s",
	       o->url, o->interval_ms, o->dwell_s, o->fail_open ? "open" : "closed",
	       o->fail_after_s);
	ad.down_since_ns = pp_clock_mono_ns();
	while (!*stop) {
		step(&ad);
		if (o->once)
			break;
		struct timespec ts = {o->interval_ms / 1000, (long)(o->interval_ms % 1000) * 1000000};
		nanosleep(&ts, NULL);
	}
	pp_log(PP_LOG_INFO, "slurm", "adapter stops: %lu jobs released", ad.released);
out:
	for (size_t i = 0; i < ad.nmap; i++) {
		free(ad.map[i].node);
		free(ad.map[i].rack);
	}
	free(ad.map);
	strings_free(ad.racks, ad.nracks);
	free(ad.pend);
	pp_buf_free(&ad.resp);
	if (ad.curl)
		curl_easy_cleanup(ad.curl);
	slurm_fini();
	return e;
}
