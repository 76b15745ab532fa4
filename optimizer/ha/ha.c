/* ha.c - the election (ha.h; docs/ha.md).
 *
 * One thread per replica. It holds an etcd lease of its own, renewed every
 * quarter of its TTL, and tries to create the leader key under it (a
 * transaction that succeeds only when the key is absent). The replica that
 * created it leads; its epoch is the revision of the creation. The others
 * read the key every PP_HA_POLL_MS and try again the moment it is gone
 * (its holder's lease ended: crash, hang, partition, or a clean stop that
 * revoked it).
 *
 * A leader's authority is its lease as its own clock counts it: from the
 * moment it sent the last renewal that etcd answered, plus the TTL etcd
 * gave, less a margin. The lease cannot end in etcd earlier than that, so
 * no other replica can lead while pp_ha_may_lead says yes. Past that
 * deadline the leader stops issuing even if its thread has not run (a
 * frozen process wakes to a deadline in the past), and becomes a candidate
 * until etcd tells it who leads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ha_int.h"
#include "powerpark/clock.h"
#include "powerpark/ha.h"
#include "powerpark/log.h"

#define PP_HA_POLL_MS 100        /* a follower reads the key this often */
#define PP_HA_TIMEOUT_MS 400     /* one etcd request, before the next member */
#define PP_HA_MARGIN 0.2         /* of the TTL kept back from the authority ... */
#define PP_HA_MARGIN_MIN_S 0.3   /* ... at least this */
#define PP_HA_LEASE_DEFAULT_S 2  /* etcd's shortest lease with its default timing */
#define PP_HA_KEY_MAX 320
#define PP_HA_STATE_MAX (1u << 20) /* a state larger than etcd's 1.5 MB default is refused */

struct pp_ha {
	struct etcd *etcd;
	char key[PP_HA_KEY_MAX];
	char state_key[PP_HA_KEY_MAX];
	void (*on_lead)(void *ud, const char *state, size_t len, long long epoch);
	void *ud;
	char me[PP_HA_NAME_MAX + PP_HA_URL_MAX + 2]; /* the key's value: "name\turl" */
	long long ttl_s;
	pthread_t th;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	/* Under mu: what the election knows, and until when this replica
	 * may act as leader (monotonic ns). */
	struct pp_ha_status st;
	int64_t authority_ns;
	/* The thread's own: the etcd lease it holds. */
	long long lease;
	int64_t lease_end_ns, next_renew_ns;
	struct etcd_kv kv;         /* reads of the keys */
	/* The state to publish (under mu), and whether it changed since the
	 * last write; the thread's copy while it writes. */
	struct pp_buf pub, out;
	int pub_dirty;
};

const char *pp_ha_role_name(enum pp_ha_role r)
{
	return r == PP_HA_LEADER ? "leader" : r == PP_HA_FOLLOWER ? "follower" : "candidate";
}

static int64_t margin_ns(const struct pp_ha *h)
{
	double m = PP_HA_MARGIN * (double)h->ttl_s;
	return (int64_t)((m > PP_HA_MARGIN_MIN_S ? m : PP_HA_MARGIN_MIN_S) * 1e9);
}

/* Sets the role (and who leads) under the mutex, logging a change. */
static void set_role(struct pp_ha *h, enum pp_ha_role r, long long epoch, const char *leader,
		     const char *url)
{
	pthread_mutex_lock(&h->mu);
	enum pp_ha_role was = h->st.role;
	long long was_epoch = h->st.epoch;
	h->st.role = r;
	h->st.epoch = epoch;
	snprintf(h->st.leader, sizeof h->st.leader, "%s", leader ? leader : "");
	snprintf(h->st.leader_url, sizeof h->st.leader_url, "%s", url ? url : "");
	if (r != PP_HA_LEADER)
		h->authority_ns = 0;
	if (r == PP_HA_LEADER && was != PP_HA_LEADER)
		h->st.terms++;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	if (r != was || epoch != was_epoch)
		pp_log(r == PP_HA_CANDIDATE ? PP_LOG_WARN : PP_LOG_INFO, "ha",
		       "%s: %s (epoch %lld%s%s)", h->st.name, pp_ha_role_name(r), epoch,
		       leader && *leader ? ", leader " : "", leader ? leader : "");
}

/* Ends a term this replica held: it can no longer prove its lease. */
static void lose(struct pp_ha *h, const char *why)
{
	pthread_mutex_lock(&h->mu);
	int led = h->st.role == PP_HA_LEADER;
	h->st.lost += led;
	pthread_mutex_unlock(&h->mu);
	if (led)
		pp_log(PP_LOG_WARN, "ha", "%s: stops issuing caps: %s", h->st.name, why);
	set_role(h, PP_HA_CANDIDATE, 0, NULL, NULL);
}

static void etcd_failed(struct pp_ha *h, const struct pp_errbuf *eb)
{
	pthread_mutex_lock(&h->mu);
	long long n = ++h->st.etcd_errors;
	pthread_mutex_unlock(&h->mu);
	/* Back-off in the log: the 1st, 10th, 100th ... failure. */
	for (long long p = 1; p <= n; p *= 10)
		if (p == n)
			pp_log(PP_LOG_WARN, "ha", "%s (%lld times)", eb->msg, n);
}

/* Holds a lease, renewed in time; 0 when it has one. */
static int keep_lease(struct pp_ha *h, int64_t now)
{
	struct pp_errbuf eb;
	long long ttl;
	/* Over by our clock: no authority. The lease itself is kept and asked
	 * for again: etcd may still hold it (a quorum lost and back refreshes
	 * every lease), and with it this replica's key, so it resumes at once
	 * instead of waiting a lease for its own key to go. */
	if (h->lease && now >= h->lease_end_ns)
		lose(h, "its etcd lease ran out before a renewal was answered");
	if (!h->lease) {
		if (etcd_grant(h->etcd, h->ttl_s, &h->lease, &ttl, &eb)) {
			h->lease = 0;
			etcd_failed(h, &eb);
			return -1;
		}
		h->lease_end_ns = now + (int64_t)ttl * 1000000000LL;
		h->next_renew_ns = now + (int64_t)ttl * 250000000LL;
		return 0;
	}
	if (now < h->next_renew_ns && now < h->lease_end_ns)
		return 0;
	if (etcd_keepalive(h->etcd, h->lease, &ttl, &eb)) {
		etcd_failed(h, &eb);
		h->next_renew_ns = now + PP_HA_POLL_MS * 1000000LL;
		return now < h->lease_end_ns ? 0 : -1; /* ours until lease_end_ns, no longer */
	}
	if (ttl <= 0) {
		h->lease = 0;
		lose(h, "etcd says its lease is gone");
		return -1;
	}
	h->lease_end_ns = now + (int64_t)ttl * 1000000000LL;
	h->next_renew_ns = now + (int64_t)ttl * 250000000LL;
	return 0;
}

/* Splits a key's value "name\turl" into its parts. */
static void holder(const char *v, char *name, char *url)
{
	const char *tab = strchr(v, '\t');
	size_t n = tab ? (size_t)(tab - v) : strlen(v);
	snprintf(name, PP_HA_NAME_MAX, "%.*s", (int)(n < PP_HA_NAME_MAX ? n : PP_HA_NAME_MAX - 1), v);
	snprintf(url, PP_HA_URL_MAX, "%s", tab ? tab + 1 : "");
}

/* Takes over: the last leader's state into on_lead, then authority.
 * -1 (no authority yet, retried next round) when it cannot be read. */
static int take_over(struct pp_ha *h, long long epoch)
{
	struct pp_errbuf eb;
	if (h->on_lead) {
		if (etcd_get(h->etcd, h->state_key, &h->kv, &eb)) {
			etcd_failed(h, &eb);
			return -1;
		}
		h->on_lead(h->ud, h->kv.found ? h->kv.value.data : "", h->kv.found ? h->kv.value.len : 0,
			   epoch);
	}
	char name[PP_HA_NAME_MAX], url[PP_HA_URL_MAX];
	holder(h->me, name, url);
	set_role(h, PP_HA_LEADER, epoch, name, url);
	return 0;
}

/* The leader's state to etcd, when it changed, under the key's guard. */
static void publish(struct pp_ha *h, long long epoch)
{
	pthread_mutex_lock(&h->mu);
	int dirty = h->pub_dirty;
	enum pp_err e = PP_OK;
	if (dirty) {
		pp_buf_reset(&h->out);
		e = pp_buf_append(&h->out, h->pub.data ? h->pub.data : "", h->pub.len);
	}
	h->pub_dirty = 0;
	pthread_mutex_unlock(&h->mu);
	if (!dirty || e)
		return;
	struct pp_errbuf eb;
	int done;
	int64_t t0 = pp_clock_mono_ns();
	if (etcd_put_guarded(h->etcd, h->key, epoch, h->state_key, h->out.data, h->out.len, &done,
			     &eb)) {
		etcd_failed(h, &eb);
		pthread_mutex_lock(&h->mu);
		h->pub_dirty = 1; /* again next round, unless a newer one came */
		pthread_mutex_unlock(&h->mu);
		return;
	}
	pthread_mutex_lock(&h->mu);
	h->st.published += done;
	h->st.publish_ms = (double)(pp_clock_mono_ns() - t0) / 1e6;
	h->st.state_bytes = h->out.len;
	pthread_mutex_unlock(&h->mu);
	if (!done)
		lose(h, "its state write found the leader key no longer its own");
}

/* One round: the lease, then the key. */
static void round_once(struct pp_ha *h)
{
	int64_t t0 = pp_clock_mono_ns();
	if (keep_lease(h, t0))
		return;
	struct pp_errbuf eb;
	struct etcd_kv *kv = &h->kv;
	pthread_mutex_lock(&h->mu);
	int leading = h->st.role == PP_HA_LEADER;
	long long epoch = h->st.epoch;
	pthread_mutex_unlock(&h->mu);
	if (leading) {
		/* Still ours? (An operator may have deleted it.) */
		if (etcd_get(h->etcd, h->key, kv, &eb)) {
			etcd_failed(h, &eb);
		} else if (!kv->found || kv->create_rev != epoch || kv->lease != h->lease) {
			lose(h, "the leader key is no longer its own");
			return;
		} else {
			publish(h, epoch);
		}
	} else {
		int won;
		long long rev;
		if (etcd_create_key(h->etcd, h->key, h->me, h->lease, &won, &rev, kv, &eb)) {
			etcd_failed(h, &eb);
			set_role(h, PP_HA_CANDIDATE, 0, NULL, NULL);
			return;
		}
		if (won) {
			epoch = rev;
		} else if (kv->found && kv->lease == h->lease) {
			epoch = kv->create_rev; /* ours already: an answer lost on the way */
		} else {
			char name[PP_HA_NAME_MAX], url[PP_HA_URL_MAX];
			holder(kv->value.data ? kv->value.data : "", name, url);
			set_role(h, PP_HA_FOLLOWER, kv->create_rev, name, url);
			return;
		}
		if (take_over(h, epoch))
			return;
	}
	/* Authority until the lease's end by our clock, less the margin. */
	pthread_mutex_lock(&h->mu);
	if (h->st.role == PP_HA_LEADER)
		h->authority_ns = h->lease_end_ns - margin_ns(h);
	pthread_mutex_unlock(&h->mu);
}

static void *loop(void *arg)
{
	struct pp_ha *h = arg;
	pthread_mutex_lock(&h->mu);
	while (!h->stop) {
		pthread_mutex_unlock(&h->mu);
		round_once(h);
		pthread_mutex_lock(&h->mu);
		/* A leader past its authority steps down here too. */
		int over = h->st.role == PP_HA_LEADER && pp_clock_mono_ns() >= h->authority_ns;
		if (over) {
			pthread_mutex_unlock(&h->mu);
			lose(h, "its etcd lease could not be renewed in time");
			pthread_mutex_lock(&h->mu);
		}
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += PP_HA_POLL_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		if (!h->stop)
			pthread_cond_timedwait(&h->cv, &h->mu, &until);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static int name_ok(const char *s)
{
	if (!s || !*s || strlen(s) >= PP_HA_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

enum pp_err pp_ha_create(const struct pp_ha_opts *o, struct pp_ha **out, struct pp_errbuf *eb)
{
	*out = NULL;
	if (!o->netcd || o->netcd > 8)
		return pp_err_set(eb, PP_ERR_ARG, "ha: 1 to 8 etcd URLs, not %zu", o->netcd);
	if (!name_ok(o->name))
		return pp_err_set(eb, PP_ERR_ARG, "ha: name '%s': 1 to %d of A-Z a-z 0-9 . _ -",
				  o->name ? o->name : "", PP_HA_NAME_MAX - 1);
	if (!o->url || !*o->url || strlen(o->url) >= PP_HA_URL_MAX || strchr(o->url, '\t'))
		return pp_err_set(eb, PP_ERR_ARG, "ha: the URL this replica is reached at is needed");
	if (o->lease_s != 0 && !(o->lease_s >= 1 && o->lease_s <= 60))
		return pp_err_set(eb, PP_ERR_ARG, "ha: lease_s %g outside [1, 60]", o->lease_s);
	struct pp_ha *h = calloc(1, sizeof *h);
	if (!h)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	h->etcd = etcd_open(o->etcd, o->netcd, PP_HA_TIMEOUT_MS);
	if (!h->etcd) {
		free(h);
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	}
	snprintf(h->key, sizeof h->key, "%sleader", o->prefix ? o->prefix : "/powerpark/");
	snprintf(h->state_key, sizeof h->state_key, "%sstate", o->prefix ? o->prefix : "/powerpark/");
	h->on_lead = o->on_lead;
	h->ud = o->ud;
	etcd_kv_init(&h->kv);
	pp_buf_init(&h->pub);
	pp_buf_init(&h->out);
	snprintf(h->me, sizeof h->me, "%s\t%s", o->name, o->url);
	h->ttl_s = o->lease_s > 0 ? (long long)(o->lease_s + 0.5) : PP_HA_LEASE_DEFAULT_S;
	snprintf(h->st.name, sizeof h->st.name, "%s", o->name);
	h->st.role = PP_HA_CANDIDATE;
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&h->th, NULL, loop, h)) {
		pp_ha_destroy(h);
		return pp_err_set(eb, PP_ERR_NOMEM, "ha: cannot start its thread");
	}
	h->started = 1;
	*out = h;
	return PP_OK;
}

void pp_ha_destroy(struct pp_ha *h)
{
	if (!h)
		return;
	if (h->started) {
		pthread_mutex_lock(&h->mu);
		h->stop = 1;
		h->authority_ns = 0; /* issue nothing more from here */
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->th, NULL);
	}
	struct pp_errbuf eb;
	/* Stepping down: the key goes with the lease, a follower leads now. */
	if (h->lease && etcd_revoke(h->etcd, h->lease, &eb))
		pp_log(PP_LOG_WARN, "ha", "%s: could not revoke its lease: %s", h->st.name, eb.msg);
	etcd_close(h->etcd);
	etcd_kv_free(&h->kv);
	pp_buf_free(&h->pub);
	pp_buf_free(&h->out);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

int pp_ha_may_lead(struct pp_ha *h, long long *epoch)
{
	pthread_mutex_lock(&h->mu);
	int ok = h->st.role == PP_HA_LEADER && pp_clock_mono_ns() < h->authority_ns;
	*epoch = ok ? h->st.epoch : 0;
	pthread_mutex_unlock(&h->mu);
	return ok;
}

enum pp_err pp_ha_publish(struct pp_ha *h, const char *state, size_t len, double made_ms)
{
	if (len > PP_HA_STATE_MAX)
		return PP_ERR_ARG;
	pthread_mutex_lock(&h->mu);
	enum pp_err e = PP_OK;
	h->st.made_ms = made_ms;
	if (h->st.role == PP_HA_LEADER) {
		pp_buf_reset(&h->pub);
		e = pp_buf_append(&h->pub, state, len);
		h->pub_dirty = !e;
	}
	pthread_mutex_unlock(&h->mu);
	return e;
}

enum pp_err pp_ha_publish_now(struct pp_ha *h, const char *state, size_t len,
			      struct pp_errbuf *eb)
{
	long long epoch;
	if (!pp_ha_may_lead(h, &epoch))
		return pp_err_set(eb, PP_ERR_ARG, "this replica does not lead");
	if (len > PP_HA_STATE_MAX)
		return pp_err_set(eb, PP_ERR_ARG, "a state of %zu bytes (at most %u)", len,
				  PP_HA_STATE_MAX);
	int done;
	enum pp_err e = etcd_put_guarded(h->etcd, h->key, epoch, h->state_key, state, len, &done, eb);
	if (e)
		return e;
	if (!done)
		return pp_err_set(eb, PP_ERR_REJECTED, "the leader key is no longer this replica's");
	pthread_mutex_lock(&h->mu);
	h->st.published++;
	pthread_mutex_unlock(&h->mu);
	return PP_OK;
}

void pp_ha_status(struct pp_ha *h, struct pp_ha_status *st)
{
	pthread_mutex_lock(&h->mu);
	*st = h->st;
	/* A leader past its authority no longer says it leads. */
	if (st->role == PP_HA_LEADER && pp_clock_mono_ns() >= h->authority_ns)
		st->role = PP_HA_CANDIDATE;
	pthread_mutex_unlock(&h->mu);
}
