/* leader.c - the API of a replica in a group (docs/ha.md): what needs the
 * leader (leases, admission, the scheduler's sync, grid events) goes on
 * only where this replica leads now; a follower answers it with 307 to
 * the leader's URL, a candidate with 503 naming no leader. Readings
 * (/write) and read-only endpoints are served by every replica, so a
 * follower's live state is warm when it takes over. GET /v1/ha and the
 * role in /metrics. Without HA the one process leads, at epoch 0. */
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "powerpark/json.h"

long long api_epoch(struct pp_api *a)
{
	long long epoch = 0;
	if (!a->ha)
		return 0;
	return pp_ha_may_lead(a->ha, &epoch) ? epoch : -1;
}

/* The error body of a request this replica may not serve. */
static enum pp_err not_leader(struct pp_buf *out, const char *msg, const struct pp_ha_status *st)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_kstr(&j, "error", msg);
	pp_json_kstr(&j, "role", pp_ha_role_name(st->role));
	pp_json_kstr(&j, "leader", st->leader[0] ? st->leader : NULL);
	pp_json_kstr(&j, "leader_url", st->leader_url[0] ? st->leader_url : NULL);
	pp_json_end(&j);
	enum pp_err e = pp_json_done(&j);
	return e ? e : pp_buf_append(out, "\n", 1);
}

int api_leader_check(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	if (api_epoch(a) >= 0)
		return 1;
	struct pp_ha_status st;
	pp_ha_status(a->ha, &st);
	int follow = st.role == PP_HA_FOLLOWER && st.leader_url[0];
	api_fail(rs, follow ? 307 : 503, "");
	pp_buf_reset(&rs->body);
	if (not_leader(&rs->body, follow ? "this replica follows: ask the leader"
					 : "no leader is elected now: retry",
		       &st)) {
		api_fail(rs, 500, "out of memory");
		return 0;
	}
	if (follow) {
		const char *t = rq->target ? rq->target : rq->path;
		size_t n = rq->target ? rq->target_len : strlen(rq->path);
		int w = snprintf(rs->location, sizeof rs->location, "%s%.*s", st.leader_url, (int)n, t);
		if (w < 0 || (size_t)w >= sizeof rs->location) /* no Location that is cut */
			api_fail(rs, 503, "the leader's URL and this request are too long to redirect");
	}
	return 0;
}

int api_replicate(struct pp_api *a, struct pp_errbuf *eb)
{
	if (!a->ha)
		return 1;
	struct pp_buf st;
	pp_buf_init(&st);
	struct pp_errbuf pe;
	enum pp_err e = pp_ctl_state_export(a->ctl, &st);
	e = e ? e : pp_ha_publish_now(a->ha, st.data, st.len, &pe);
	pp_buf_free(&st);
	if (e)
		pp_err_set(eb, e, "in force here, but not yet where a next leader would find it "
			   "(%s): post it again", e == PP_ERR_NOMEM ? "out of memory" : pe.msg);
	return !e;
}

void api_h_ha(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	(void)rq;
	struct pp_ha_status st;
	memset(&st, 0, sizeof st);
	if (a->ha)
		pp_ha_status(a->ha, &st);
	else
		st.role = PP_HA_LEADER;
	struct pp_json j;
	pp_json_init(&j, &rs->body);
	pp_json_obj(&j);
	pp_json_kbool(&j, "ha", a->ha != NULL);
	pp_json_kstr(&j, "role", pp_ha_role_name(st.role));
	pp_json_kstr(&j, "name", st.name[0] ? st.name : NULL);
	pp_json_kint(&j, "epoch", st.epoch);
	pp_json_kstr(&j, "leader", st.leader[0] ? st.leader : NULL);
	pp_json_kstr(&j, "leader_url", st.leader_url[0] ? st.leader_url : NULL);
	pp_json_kint(&j, "terms", st.terms);
	pp_json_kint(&j, "lost", st.lost);
	pp_json_kint(&j, "etcd_errors", st.etcd_errors);
	pp_json_end(&j);
	enum pp_err e = pp_json_done(&j);
	e = e ? e : pp_buf_append(&rs->body, "\n", 1);
	if (e) {
		api_fail(rs, 500, "out of memory");
		return;
	}
	rs->status = 200;
	rs->ctype = "application/json";
}

enum pp_err api_prometheus_ha(struct pp_buf *out, const struct pp_api *a)
{
	if (!a->ha)
		return PP_OK;
	struct pp_ha_status st;
	pp_ha_status(a->ha, &st);
	return pp_buf_appendf(out,
			      "# TYPE powerpark_ha_leader gauge\n"
			      "powerpark_ha_leader %d\n"
			      "# TYPE powerpark_ha_role gauge\n"
			      "powerpark_ha_role{role=\"%s\"} 1\n"
			      "# TYPE powerpark_ha_epoch gauge\n"
			      "powerpark_ha_epoch %lld\n"
			      "# TYPE powerpark_ha_takeovers_total counter\n"
			      "powerpark_ha_takeovers_total %lld\n"
			      "# TYPE powerpark_ha_terms_lost_total counter\n"
			      "powerpark_ha_terms_lost_total %lld\n"
			      "# TYPE powerpark_ha_etcd_errors_total counter\n"
			      "powerpark_ha_etcd_errors_total %lld\n"
			      "# TYPE powerpark_ha_states_published_total counter\n"
			      "powerpark_ha_states_published_total %lld\n"
			      "# TYPE powerpark_ha_state_bytes gauge\n"
			      "powerpark_ha_state_bytes %zu\n"
			      "# TYPE powerpark_ha_state_make_seconds gauge\n"
			      "powerpark_ha_state_make_seconds %.6f\n"
			      "# TYPE powerpark_ha_state_write_seconds gauge\n"
			      "powerpark_ha_state_write_seconds %.6f\n",
			      st.role == PP_HA_LEADER, pp_ha_role_name(st.role), st.epoch, st.terms,
			      st.lost, st.etcd_errors, st.published, st.state_bytes, st.made_ms / 1e3,
			      st.publish_ms / 1e3);
}
