/* test_json.c - the JSON writer: commas and nesting, escaping of every
 * byte (checked by reading the text back with jansson), numbers JSON can
 * hold, sticky errors. */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "powerpark/json.h"
#include "pp_test.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t xr(void)
{
	return pt_rand(&rng);
}

static void t_shape(void)
{
	struct pp_buf b;
	pp_buf_init(&b);
	struct pp_json j;
	pp_json_init(&j, &b);
	pp_json_obj(&j);
	pp_json_kstr(&j, "node", "a01-r07");
	pp_json_knum(&j, "cap_w", 512.25, 1);
	pp_json_key(&j, "caps");
	pp_json_arr(&j);
	pp_json_int(&j, -3);
	pp_json_uint(&j, 18446744073709551615ull);
	pp_json_bool(&j, 1);
	pp_json_null(&j);
	pp_json_obj(&j);
	pp_json_end(&j);
	pp_json_end(&j);
	pp_json_knum(&j, "nan", NAN, 3);
	pp_json_ksig(&j, "w", 0.1 + 0.2, 6);
	pp_json_kstr(&j, "none", NULL);
	pp_json_end(&j);
	PT_CHECK(pp_json_done(&j) == PP_OK, "complete document");
	const char *want = "{\"node\":\"a01-r07\",\"cap_w\":512.2,\"caps\":[-3,18446744073709551615,"
			   "true,null,{}],\"nan\":null,\"w\":0.3,\"none\":null}";
	PT_CHECK(b.data && !strcmp(b.data, want), "got  %s\nwant %s", b.data, want);
	pp_buf_free(&b);
}

static void t_errors_are_sticky(void)
{
	struct pp_buf b;
	pp_buf_init(&b);
	struct pp_json j;
	pp_json_init(&j, &b);
	pp_json_obj(&j);
	pp_json_int(&j, 1); /* a value where a key belongs */
	size_t len = b.len;
	pp_json_kint(&j, "x", 2);
	pp_json_end(&j);
	PT_CHECK(pp_json_done(&j) == PP_ERR_ARG, "a value without a key is an error");
	PT_CHECK(b.len == len, "nothing written after the error");
	pp_json_init(&j, &b);
	pp_json_arr(&j);
	PT_CHECK(pp_json_done(&j) == PP_ERR_ARG, "an open array is not done");
	pp_json_init(&j, &b);
	for (int i = 0; i < PP_JSON_DEPTH + 1; i++)
		pp_json_arr(&j);
	PT_CHECK(pp_json_done(&j) == PP_ERR_ARG, "too deep");
	pp_json_init(&j, &b);
	pp_json_end(&j);
	PT_CHECK(pp_json_done(&j) == PP_ERR_ARG, "closing nothing");
	pp_buf_free(&b);
}

/* Whether s (n bytes) is valid UTF-8 with no NUL, by jansson's reading. */
static int valid_utf8(const char *s, size_t n)
{
	json_t *v = json_stringn(s, n);
	int ok = v != NULL;
	json_decref(v);
	return ok;
}

/* Any bytes at all come out as a JSON string jansson reads back: the same
 * bytes when they were UTF-8, else with U+FFFD where they were not. */
static void t_any_bytes_round_trip(void)
{
	int bad = 0, exact = 0, replaced = 0;
	for (int it = 0; it < 20000 && bad < 5; it++) {
		char s[24];
		size_t n = xr() % sizeof s;
		for (size_t i = 0; i < n; i++) {
			uint64_t r = xr();
			/* ASCII, controls, quotes and backslashes, and high bytes */
			static const char odd[] = "\"\\/\x7f";
			uint64_t k = r % 4, x = r >> 8;
			s[i] = k == 0 ? (char)(x % 0x20) : k == 1 ? odd[x % 4]
			       : k == 2 ? (char)(0x80 + x % 0x80) : (char)(0x20 + x % 0x5f);
			if (!s[i])
				s[i] = 'z';
		}
		struct pp_buf b;
		pp_buf_init(&b);
		struct pp_json j;
		pp_json_init(&j, &b);
		pp_json_arr(&j);
		pp_json_strn(&j, s, n);
		pp_json_end(&j);
		if (pp_json_done(&j) != PP_OK) {
			bad++;
			PT_CHECK(0, "writer failed");
			pp_buf_free(&b);
			continue;
		}
		json_error_t je;
		json_t *v = json_loadb(b.data, b.len, 0, &je);
		if (!v) {
			bad++;
			PT_CHECK(0, "jansson cannot read %s: %s", b.data, je.text);
		} else {
			const char *back = json_string_value(json_array_get(v, 0));
			size_t bl = json_string_length(json_array_get(v, 0));
			if (valid_utf8(s, n)) {
				exact++;
				if (bl != n || memcmp(back, s, n)) {
					bad++;
					PT_CHECK(0, "valid UTF-8 changed: %s", b.data);
				}
			} else {
				replaced++;
				if (!strstr(back, "\xef\xbf\xbd")) {
					bad++;
					PT_CHECK(0, "invalid UTF-8 without U+FFFD: %s", b.data);
				}
			}
		}
		json_decref(v);
		pp_buf_free(&b);
	}
	PT_CHECK(exact > 1000 && replaced > 1000, "both kinds tried (%d exact, %d replaced)", exact,
		 replaced);
}

static void t_utf8_kept(void)
{
	struct pp_buf b;
	pp_buf_init(&b);
	/* 2-, 3- and 4-byte sequences stay as they are; an overlong '/' and a
	 * surrogate do not. */
	PT_CHECK(!pp_json_quote(&b, "h\xc3\xa4ll \xe2\x82\xac \xf0\x9f\x94\x8c", 14), "quote");
	PT_CHECK(!strcmp(b.data, "\"h\xc3\xa4ll \xe2\x82\xac \xf0\x9f\x94\x8c\""), "got %s", b.data);
	pp_buf_reset(&b);
	PT_CHECK(!pp_json_quote(&b, "\xc0\xaf|\xed\xa0\x80", 6), "quote");
	PT_CHECK(!strcmp(b.data, "\"\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\""), "got %s", b.data);
	pp_buf_free(&b);
}

int main(void)
{
	PT_RUN(t_shape);
	PT_RUN(t_errors_are_sticky);
	PT_RUN(t_any_bytes_round_trip);
	PT_RUN(t_utf8_kept);
	return PT_DONE("test_json");
}
