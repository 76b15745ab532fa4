/* test_snmp.c - dotted OIDs: parse and format round trip, and formatting
 * that stops at a whole arc when the text does not fit (row indexes are
 * formatted by hand, not by snprintf, since issue 26's 10,000 polls/s). */
#include <stdio.h>
#include <string.h>

#include "powerpark/snmp.h"
#include "pp_test.h"

static uint64_t rng = 7046029254386353131ULL;

static void t_round_trip(void)
{
	for (int k = 0; k < 20000; k++) {
		unsigned long o[PP_OID_MAX], back[PP_OID_MAX];
		size_t n = 1 + pt_rand(&rng) % 12;
		for (size_t i = 0; i < n; i++) {
			uint64_t r = pt_rand(&rng);
			/* small arcs mostly, some at the ends of the range */
			o[i] = r % 7 == 0 ? 4294967295UL - r % 3 : r % 5 == 0 ? 0 : r % 100000; /* 32-bit arcs */
		}
		char s[512], ref[512] = "";
		pp_snmp_format_oid(o, n, s, sizeof s);
		size_t at = 0;
		for (size_t i = 0; i < n; i++)
			at += (size_t)snprintf(ref + at, sizeof ref - at, i ? ".%lu" : "%lu", o[i]);
		PT_CHECK(!strcmp(s, ref), "formatted %s, snprintf gives %s", s, ref);
		size_t m = pp_snmp_parse_oid(s, back);
		PT_CHECK(m == n && !memcmp(back, o, n * sizeof *o), "%s did not parse back", s);
	}
}

static void t_cut_at_arc(void)
{
	const unsigned long o[] = {1, 3, 6, 1, 4, 1, 318, 12345};
	char s[12];
	pp_snmp_format_oid(o, 8, s, sizeof s);
	PT_CHECK(!strcmp(s, "1.3.6.1.4.1"), "cut to [%s], want the whole arcs that fit", s);
	char one[2] = "x";
	pp_snmp_format_oid(o, 8, one, sizeof one);
	PT_CHECK(!strcmp(one, "1"), "a 2-byte buffer holds [%s]", one);
	char empty[4] = "xyz";
	pp_snmp_format_oid(o, 0, empty, sizeof empty);
	PT_CHECK(!empty[0], "no arcs gives [%s]", empty);
}

int main(void)
{
	PT_RUN(t_round_trip);
	PT_RUN(t_cut_at_arc);
	return PT_DONE("test_snmp");
}
