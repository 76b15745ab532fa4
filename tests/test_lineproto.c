/* test_lineproto.c - encoder escaping, strict parser, round trip, garbage. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/lineproto.h"
#include "pp_test.h"

static uint64_t rng = 88172645463325252ULL;
static uint64_t xr(void)
{
	return pt_rand(&rng);
}

/* Encodes s and compares with want (the line without its '\n'). */
static void expect_enc(const struct pp_sample *s, unsigned flags, const char *want)
{
	struct pp_buf b;
	pp_buf_init(&b);
	struct pp_errbuf eb;
	enum pp_err e = pp_lineproto_encode(&b, s, flags, &eb);
	PT_CHECK(e == PP_OK, "encode failed: %s", eb.msg);
	if (e == PP_OK) {
		PT_CHECK(b.len > 0 && b.data[b.len - 1] == '\n', "no trailing newline");
		b.data[b.len - 1] = '\0';
		PT_CHECK(!strcmp(b.data, want), "got  [%s]\n       want [%s]", b.data, want);
	}
	pp_buf_free(&b);
}

#define F(k, x) {.key = k, .type = PP_F_FLOAT, .v.f = x}

static void t_encode_schema_line(void)
{
	struct pp_tag t[] = {{"site", "gj"}, {"hall", "a"}, {"row", "a01"}, {"rack", "a01-r07"}};
	struct pp_field f[] = {F("power_w", 118230), F("limit_w", 130000)};
	struct pp_sample s = {"rack", t, 4, f, 2, 1700000000123456789LL, 1};
	expect_enc(&s, 0,
		   "rack,site=gj,hall=a,row=a01,rack=a01-r07 power_w=118230,limit_w=130000 "
		   "1700000000123456789");
}

static void t_encode_escaping(void)
{
	/* measurement: comma and space escaped, '=' not */
	struct pp_field f1[] = {F("v", 1)};
	struct pp_sample s = {"my meas,x=y", NULL, 0, f1, 1, 0, 0};
	expect_enc(&s, 0, "my\\ meas\\,x=y v=1");
	/* tag keys and values: comma, equals, space */
	struct pp_tag t[] = {{"k 1,=", "v 1,=2"}};
	struct pp_sample s2 = {"m", t, 1, f1, 1, 0, 0};
	expect_enc(&s2, 0, "m,k\\ 1\\,\\==v\\ 1\\,\\=2 v=1");
	/* field keys: comma, equals, space */
	struct pp_field f3[] = {F("a b,c=d", 2.5)};
	struct pp_sample s3 = {"m", NULL, 0, f3, 1, 0, 0};
	expect_enc(&s3, 0, "m a\\ b\\,c\\=d=2.5");
	/* string values: quote and backslash escaped; comma, space, '=' and a
	 * newline are literal inside quotes */
	struct pp_field f4[] = {{.key = "s", .type = PP_F_STRING, .v.s = "say \"hi\\\", a=b\nz"}};
	struct pp_sample s4 = {"m", NULL, 0, f4, 1, 0, 0};
	expect_enc(&s4, 0, "m s=\"say \\\"hi\\\\\\\", a=b\nz\"");
	/* a literal backslash in a name stays single unless it would read as an
	 * escape: before a special byte, before a backslash, or at the end */
	struct pp_tag t5[] = {{"path", "C:\\dir"}, {"end", "x\\"}, {"pre", "a\\,b"}};
	struct pp_sample s5 = {"m\\x", t5, 3, f1, 1, 0, 0};
	expect_enc(&s5, 0, "m\\x,path=C:\\dir,end=x\\\\,pre=a\\\\\\,b v=1");
	/* a measurement starting with a backslash-escaped space */
	struct pp_sample s6 = {" lead", NULL, 0, f1, 1, 0, 0};
	expect_enc(&s6, 0, "\\ lead v=1");
}

static void t_encode_types(void)
{
	struct pp_field f[] = {
		{.key = "i", .type = PP_F_INT, .v.i = -9223372036854775807LL - 1},
		{.key = "u", .type = PP_F_UINT, .v.u = UINT64_MAX},
		{.key = "t", .type = PP_F_BOOL, .v.b = 1},
		{.key = "f", .type = PP_F_BOOL, .v.b = 0},
		F("neg", -0.001),
		F("big", 1e300),
		F("third", 1.0 / 3.0),
		F("nan", NAN),
		F("inf", INFINITY),
		F("zero", 0.0),
		F("tenth", 14.1),
	};
	struct pp_sample s = {"m", NULL, 0, f, 11, -5, 1};
	expect_enc(&s, 0,
		   "m i=-9223372036854775808i,u=18446744073709551615u,t=true,f=false,"
		   "neg=-0.001,big=1.0000000000000001e+300,third=0.33333333333333331,"
		   "zero=0,tenth=14.1 -5");
	/* InfluxDB 1.x switch: unsigned as integer when it fits, else float */
	struct pp_field g[] = {{.key = "u", .type = PP_F_UINT, .v.u = 42},
			       {.key = "w", .type = PP_F_UINT, .v.u = UINT64_MAX}};
	struct pp_sample s2 = {"m", NULL, 0, g, 2, 0, 0};
	expect_enc(&s2, PP_LP_NO_UINT, "m u=42i,w=1.8446744073709552e+19");
}

static void t_encode_rejects(void)
{
	struct pp_buf b;
	pp_buf_init(&b);
	struct pp_errbuf eb;
	struct pp_field f[] = {F("v", 1)};
	struct pp_field fnan[] = {F("v", NAN)};
	struct pp_tag tnl[] = {{"k", "a\nb"}};
	struct pp_tag tempty[] = {{"k", ""}};
	struct pp_sample bad[] = {
		{"", NULL, 0, f, 1, 0, 0},
		{"#comment", NULL, 0, f, 1, 0, 0},
		{"m", NULL, 0, fnan, 1, 0, 0},
		{"m", NULL, 0, f, 0, 0, 0},
		{"m", tnl, 1, f, 1, 0, 0},
		{"m\nx", NULL, 0, f, 1, 0, 0},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		enum pp_err e = pp_lineproto_encode(&b, &bad[i], 0, &eb);
		PT_CHECK(e == PP_ERR_ARG, "case %zu: want PP_ERR_ARG, got %d", i, e);
		PT_CHECK(b.len == 0, "case %zu: rejected sample left %zu bytes", i, b.len);
	}
	/* an empty tag value is left out, not an error */
	struct pp_sample s = {"m", tempty, 1, f, 1, 0, 0};
	PT_CHECK(pp_lineproto_encode(&b, &s, 0, &eb) == PP_OK && !strcmp(b.data, "m v=1\n"),
		 "empty tag value: [%s]", b.data ? b.data : "");
	pp_buf_free(&b);
}

static void t_fmt_double_roundtrip(void)
{
	char out[40];
	int bad = 0;
	for (int i = 0; i < 200000; i++) {
		double v;
		uint64_t r = xr();
		switch (i % 3) {
		case 0:
			memcpy(&v, &r, sizeof v);
			break;
		case 1:
			v = (double)(int64_t)(r % 2000000) / 10.0 - 1000.0;
			break;
		default:
			v = (double)(r % 100000000) / pow(10, (double)(r % 12));
		}
		if (!isfinite(v))
			continue;
		size_t n = pp_lineproto_fmt_double(out, v);
		out[n] = '\0';
		double back = strtod(out, NULL);
		if (back != v || signbit(back) != signbit(v)) {
			if (bad++ < 5)
				PT_CHECK(0, "%.17g printed as %s", v, out);
		}
	}
	PT_CHECK(bad == 0, "%d doubles did not round-trip", bad);
}

static void t_parse_good(void)
{
	const char *in = "# comment\n"
			 "\n"
			 "  rack,site=gj,rack=a01-r07 power_w=118230,limit_w=130000i,ok=T,"
			 "name=\"a \\\"q\\\" \\\\ b\" 1700000000000000000\r\n"
			 "m\\ x,k\\=1=v\\,2 f\\ 1=1.5e3,u=7u\n"
			 "s v=\"multi\nline\" 5\n"
			 "last v=-2.5";
	struct pp_lineproto_result r;
	pp_lineproto_result_init(&r);
	PT_CHECK(pp_lineproto_parse(in, strlen(in), PP_PREC_NS, 42, &r) == PP_OK, "parse");
	PT_CHECK(r.nsamples == 4 && r.nbad == 0, "nsamples=%zu nbad=%zu (%s)", r.nsamples,
		 r.nbad, r.nerrors ? r.errors[0].reason : "");
	if (r.nsamples == 4) {
		const struct pp_sample *s = &r.samples[0];
		PT_CHECK(!strcmp(s->measurement, "rack") && s->ntags == 2 && s->nfields == 4,
			 "sample 0 shape");
		PT_CHECK(!strcmp(s->tags[1].val, "a01-r07"), "tag value");
		PT_CHECK(s->fields[0].type == PP_F_FLOAT && s->fields[0].v.f == 118230, "float");
		PT_CHECK(s->fields[1].type == PP_F_INT && s->fields[1].v.i == 130000, "int");
		PT_CHECK(s->fields[2].type == PP_F_BOOL && s->fields[2].v.b == 1, "bool");
		PT_CHECK(s->fields[3].type == PP_F_STRING &&
			 !strcmp(s->fields[3].v.s, "a \"q\" \\ b"), "string [%s]", s->fields[3].v.s);
		PT_CHECK(s->ts_ns == 1700000000000000000LL, "ts");
		s = &r.samples[1];
		PT_CHECK(!strcmp(s->measurement, "m x") && !strcmp(s->tags[0].key, "k=1") &&
			 !strcmp(s->tags[0].val, "v,2") && !strcmp(s->fields[0].key, "f 1") &&
			 s->fields[0].v.f == 1500 && s->fields[1].type == PP_F_UINT &&
			 s->fields[1].v.u == 7 && s->ts_ns == 42, "escaped names / default ts");
		PT_CHECK(!strcmp(r.samples[2].fields[0].v.s, "multi\nline"), "quoted newline");
		PT_CHECK(r.samples[3].fields[0].v.f == -2.5, "last line without newline");
	}
	/* precision scales the timestamp */
	PT_CHECK(pp_lineproto_parse("m v=1 17", 8, PP_PREC_S, 0, &r) == PP_OK &&
		 r.nsamples == 1 && r.samples[0].ts_ns == 17000000000LL, "precision=s");
	pp_lineproto_result_free(&r);
}

static void t_parse_errors(void)
{
	struct {
		const char *line;
		const char *reason; /* a substring the reason must hold */
	} cases[] = {
		{"m", "missing fields"},
		{"m ", "missing fields"},
		{",t=1 v=1", "missing measurement"},
		{"m,t v=1", "expected '='"},
		{"m,t= v=1", "missing or bad tag value"},
		{"m,t=1,t=2 v=1", "duplicate tag key"},
		{"m v", "expected '='"},
		{"m v=", "missing value"},
		{"m v=1x", "bad value"},
		{"m v=1.2.3", "bad value"},
		{"m v=nan", "bad value"},
		{"m v=1e999", "bad value"},
		{"m v=99999999999999999999i", "out-of-range integer"},
		{"m v=-1u", "bad or out-of-range unsigned"},
		{"m v=1 12a", "bad timestamp"},
		{"m v=1 9223372036854775807", "out of range for its precision"},
		{"m v=1 1 extra", "unexpected text"},
		{"m v=1,", "missing or bad field key"},
	};
	struct pp_lineproto_result r;
	pp_lineproto_result_init(&r);
	/* one buffer: a good line, then every bad case, then a good line */
	struct pp_buf in;
	pp_buf_init(&in);
	PT_CHECK(pp_buf_append(&in, "ok v=1\n", 7) == PP_OK, "append");
	size_t n = sizeof cases / sizeof cases[0];
	for (size_t i = 0; i < n; i++)
		PT_CHECK(pp_buf_appendf(&in, "%s\n", cases[i].line) == PP_OK, "append");
	PT_CHECK(pp_buf_append(&in, "ok v=2\n", 7) == PP_OK, "append");
	enum pp_err e = pp_lineproto_parse(in.data, in.len, PP_PREC_MS, 0, &r);
	PT_CHECK(e == PP_OK, "parse");
	PT_CHECK(r.nsamples == 2 && r.nbad == n, "nsamples=%zu nbad=%zu", r.nsamples, r.nbad);
	for (size_t i = 0; r.nbad != n && i < r.nerrors; i++)
		fprintf(stderr, "    line %zu: %s\n", r.errors[i].line, r.errors[i].reason);
	for (size_t i = 0; i < n && i < r.nerrors; i++) {
		PT_CHECK(r.errors[i].line == i + 2, "case %zu: line %zu", i, r.errors[i].line);
		PT_CHECK(strstr(r.errors[i].reason, cases[i].reason) != NULL,
			 "case '%s': reason '%s' lacks '%s'", cases[i].line, r.errors[i].reason,
			 cases[i].reason);
	}
	/* an unclosed quote runs to the end of the input: one bad line */
	const char *open = "ok v=1\nm v=\"open\nnext v=2\n";
	PT_CHECK(pp_lineproto_parse(open, strlen(open), PP_PREC_NS, 0, &r) == PP_OK &&
		 r.nsamples == 1 && r.nbad == 1 && r.errors[0].line == 2 &&
		 strstr(r.errors[0].reason, "missing closing quote"),
		 "unclosed quote: %zu samples %zu bad", r.nsamples, r.nbad);
	pp_buf_free(&in);
	pp_lineproto_result_free(&r);
}

/* A random name drawn from an alphabet rich in special bytes. */
static char *rand_name(char *buf, size_t max, int allow_nl)
{
	static const char al[] = "abcXYZ019_-.,= \"\\\xc3\xa9#";
	size_t n = 1 + xr() % (max - 1);
	for (size_t i = 0; i < n; i++) {
		char c = al[xr() % (sizeof al - 1)];
		if (!allow_nl && c == '\n')
			c = 'n';
		buf[i] = c;
	}
	buf[n] = '\0';
	if (buf[0] == '#')
		buf[0] = 'h';
	return buf;
}

static int sample_eq(const struct pp_sample *a, const struct pp_sample *b)
{
	if (strcmp(a->measurement, b->measurement) || a->ntags != b->ntags ||
	    a->nfields != b->nfields || a->ts_ns != b->ts_ns)
		return 0;
	for (size_t i = 0; i < a->ntags; i++)
		if (strcmp(a->tags[i].key, b->tags[i].key) || strcmp(a->tags[i].val, b->tags[i].val))
			return 0;
	for (size_t i = 0; i < a->nfields; i++) {
		const struct pp_field *x = &a->fields[i], *y = &b->fields[i];
		if (strcmp(x->key, y->key) || x->type != y->type)
			return 0;
		switch (x->type) {
		case PP_F_FLOAT: if (x->v.f != y->v.f) return 0; break;
		case PP_F_INT: if (x->v.i != y->v.i) return 0; break;
		case PP_F_UINT: if (x->v.u != y->v.u) return 0; break;
		case PP_F_BOOL: if (!x->v.b != !y->v.b) return 0; break;
		case PP_F_STRING: if (strcmp(x->v.s, y->v.s)) return 0; break;
		}
	}
	return 1;
}

static void t_roundtrip_random(void)
{
	enum { N = 3000 };
	static char names[N][6][24];
	static char svals[N][48];
	static struct pp_tag tags[N][3];
	static struct pp_field fields[N][4];
	static struct pp_sample in[N];
	struct pp_buf b;
	pp_buf_init(&b);
	struct pp_errbuf eb;
	for (int i = 0; i < N; i++) {
		struct pp_sample *s = &in[i];
		s->measurement = rand_name(names[i][0], 20, 0);
		s->ntags = xr() % 3;
		for (size_t t = 0; t < s->ntags; t++) {
			tags[i][t].key = rand_name(names[i][1 + t], 12, 0);
			if (t == 1 && !strcmp(tags[i][1].key, tags[i][0].key))
				tags[i][1].key = "dup-avoid";
			tags[i][t].val = rand_name(names[i][3 + t], 12, 0);
		}
		s->tags = tags[i];
		s->nfields = 1 + xr() % 4;
		for (size_t f = 0; f < s->nfields; f++) {
			struct pp_field *fl = &fields[i][f];
			fl->key = f == 0 ? rand_name(names[i][5], 20, 0) : (const char *[]){"a", "b", "c"}[f - 1];
			fl->type = (enum pp_ftype)(xr() % 5);
			switch (fl->type) {
			case PP_F_FLOAT: {
				uint64_t r = xr();
				double v;
				memcpy(&v, &r, sizeof v);
				fl->v.f = isfinite(v) ? v : (double)(r % 100000) / 100.0;
				break;
			}
			case PP_F_INT: fl->v.i = (int64_t)xr(); break;
			case PP_F_UINT: fl->v.u = xr(); break;
			case PP_F_BOOL: fl->v.b = (int)(xr() & 1); break;
			case PP_F_STRING: {
				size_t n = xr() % 40;
				for (size_t k = 0; k < n; k++)
					svals[i][k] = "a \"\\,=\n\tz"[xr() % 10];
				svals[i][n] = '\0';
				fl->v.s = svals[i];
				break;
			}
			}
		}
		s->fields = fields[i];
		s->ts_ns = (int64_t)xr();
		s->has_ts = 1;
		enum pp_err e = pp_lineproto_encode(&b, s, 0, &eb);
		PT_CHECK(e == PP_OK, "sample %d: %s", i, eb.msg);
	}
	struct pp_lineproto_result r;
	pp_lineproto_result_init(&r);
	PT_CHECK(pp_lineproto_parse(b.data, b.len, PP_PREC_NS, 0, &r) == PP_OK, "parse");
	PT_CHECK(r.nsamples == N && r.nbad == 0, "parsed %zu of %d, %zu bad (line %zu: %s)",
		 r.nsamples, N, r.nbad, r.nerrors ? r.errors[0].line : 0,
		 r.nerrors ? r.errors[0].reason : "");
	int mism = 0;
	for (size_t i = 0; i < r.nsamples && i < N; i++)
		if (!sample_eq(&in[i], &r.samples[i]) && mism++ < 3)
			PT_CHECK(0, "sample %zu differs after round trip", i);
	PT_CHECK(mism == 0, "%d samples differ", mism);
	pp_lineproto_result_free(&r);
	pp_buf_free(&b);
}

/* Parses exactly-sized heap copies so ASan catches any read past the end. */
static void parse_exact(const char *p, size_t n, struct pp_lineproto_result *r)
{
	char *copy = malloc(n ? n : 1);
	if (n)
		memcpy(copy, p, n);
	enum pp_err e = pp_lineproto_parse(copy, n, PP_PREC_NS, 0, r);
	PT_CHECK(e == PP_OK, "parse of %zu bytes failed", n);
	PT_CHECK(r->nsamples + r->nbad <= n, "more results than bytes");
	free(copy);
}

static void t_garbage_and_truncation(void)
{
	const char *valid = "rack,site=gj,rack=a\\ 1 p=1.5,q=2i,s=\"x\\\"y\",b=t 17\n"
			    "m\\,x,k\\=1=v\\\\ u=3u\nz v=\"a\nb\" -1\n";
	struct pp_lineproto_result r;
	pp_lineproto_result_init(&r);
	size_t n = strlen(valid);
	for (size_t i = 0; i <= n; i++)
		parse_exact(valid, i, &r);
	/* full input parses to 3 samples */
	parse_exact(valid, n, &r);
	PT_CHECK(r.nsamples == 3 && r.nbad == 0, "valid input: %zu samples %zu bad", r.nsamples,
		 r.nbad);
	char buf[512];
	for (int it = 0; it < 20000; it++) {
		size_t len = xr() % sizeof buf;
		for (size_t k = 0; k < len; k++) {
			uint64_t x = xr();
			/* mostly structural bytes, sometimes anything at all */
			buf[k] = (x & 7) ? "m,= \"\\\n1ieu.t-#\r"[x % 17] : (char)(x >> 8);
		}
		parse_exact(buf, len, &r);
	}
	/* every byte value mutated into the valid input */
	char mut[128];
	for (size_t pos = 0; pos < n && pos < sizeof mut; pos++) {
		for (int c = 0; c < 256; c += 7) {
			memcpy(mut, valid, n);
			mut[pos] = (char)c;
			parse_exact(mut, n, &r);
		}
	}
	pp_lineproto_result_free(&r);
}

int main(void)
{
	PT_RUN(t_encode_schema_line);
	PT_RUN(t_encode_escaping);
	PT_RUN(t_encode_types);
	PT_RUN(t_encode_rejects);
	PT_RUN(t_fmt_double_roundtrip);
	PT_RUN(t_parse_good);
	PT_RUN(t_parse_errors);
	PT_RUN(t_roundtrip_random);
	PT_RUN(t_garbage_and_truncation);
	return PT_DONE("test_lineproto");
}
