/* snmp_sched.c - when the SNMP loop acts and what a step asks: the engine's
 * min-heap of agents keyed by their next moment, and the columns a GETBULK
 * step walks with how many rows. Calls nothing of snmp.c. */
#include "snmp_int.h"

/* The moment agent a next needs the loop. */
int64_t snmp_agent_key(const struct agent *a)
{
	return a->busy ? a->deadline : a->due;
}

static void heap_swap(struct engine *e, size_t i, size_t j)
{
	struct timer t = e->heap[i];
	e->heap[i] = e->heap[j];
	e->heap[j] = t;
	e->heap[i].a->hidx = i;
	e->heap[j].a->hidx = j;
}

void snmp_heap_down(struct engine *e, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < e->n && e->heap[l].key < e->heap[m].key)
			m = l;
		if (l + 1 < e->n && e->heap[l + 1].key < e->heap[m].key)
			m = l + 1;
		if (m == i)
			return;
		heap_swap(e, i, m);
		i = m;
	}
}

/* Puts a back in its place after its key changed (up or down). */
void snmp_heap_fix(struct engine *e, struct agent *a)
{
	size_t i = a->hidx;
	e->heap[i].key = snmp_agent_key(a);
	while (i > 0 && e->heap[(i - 1) / 2].key > e->heap[i].key) {
		heap_swap(e, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	snmp_heap_down(e, i);
}

/* Rows a GETBULK step asks of column cl: those it had in the last whole
 * poll and has not yet given, plus one to see its end; all it may
 * (maxrep) while unknown or when it grew. */
static int col_want(const struct agent *a, const struct col *cl)
{
	int w = a->maxrep;
	if (cl->learned && cl->rows_seen <= cl->rows_last)
		w = cl->rows_last - cl->rows_seen + 1;
	return w > a->maxrep ? a->maxrep : w;
}

/* Marks the columns this step walks and returns its max-repetitions.
 * GETBULK asks every column for the same number of rows: a PDU's 3
 * phases asked 24 rows beside its 16 outlets came back with 21 rows of
 * the next columns each, most of the answer. So a step walks the columns
 * that want about as few rows as the fewest (up to twice), the others
 * follow in the next step. v1 (GETNEXT) walks them all at once. */
int snmp_pick_cols(struct agent *a, int bulk)
{
	int fewest = a->maxrep, rep = 1;
	for (size_t i = 0; i < a->ncols; i++)
		if (!a->cols[i].done && col_want(a, &a->cols[i]) < fewest)
			fewest = col_want(a, &a->cols[i]);
	size_t nsent = 0; /* an answer is read back for PP_SNMP_MAX_COLS columns at most */
	for (size_t i = 0; i < a->ncols; i++) {
		struct col *cl = &a->cols[i];
		int w = col_want(a, cl);
		cl->sent = !cl->done && (!bulk || w <= 2 * fewest) && nsent < PP_SNMP_MAX_COLS;
		nsent += (size_t)cl->sent;
		if (cl->sent && w > rep)
			rep = w;
	}
	return rep;
}

