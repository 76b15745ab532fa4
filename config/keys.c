/* keys.c - the key reference made from the loaders' tables (schema.h):
 * `powerpark check --keys` prints it, docs/config.md holds it, and
 * tests/test_config.c checks that the two agree. */
#include <stdio.h>
#include <string.h>

#include "config_int.h"

/* Objects one reference prints (each once). */
#define MAX_DOC_OBJS 96

struct doc {
	FILE *f;
	const struct yobj *seen[MAX_DOC_OBJS];
	size_t nseen;
};

static void vals_text(FILE *f, const char *const *vals)
{
	for (size_t i = 0; vals[i]; i++)
		fprintf(f, "%s`%s`", !i ? "" : vals[i + 1] ? ", " : " or ", vals[i]);
}

static void type_text(FILE *f, const struct ykey *k)
{
	switch (k->type) {
	case YT_STR: fputs("string", f); break;
	case YT_PATH: fputs("path", f); break;
	case YT_NAME: fputs("name", f); break;
	case YT_BOOL: fputs("true or false", f); break;
	case YT_TIME: fprintf(f, "UTC time like %s", k->eg); break;
	case YT_ENUM:
	case YT_PICK: vals_text(f, k->vals); break;
	case YT_OBJ: fprintf(f, "mapping `%s`", k->sub->title); break;
	case YT_CUSTOM: fputs(k->tdoc, f); break;
	case YT_INT: fprintf(f, "integer %.15g-%.15g", k->lo, k->hi); break;
	case YT_NUM:
		if (k->lo <= -1e300 && k->hi >= 1e300)
			fputs("number", f);
		else
			fprintf(f, "number in %s%.15g, %.15g]", k->flags & YF_OPEN ? "(" : "[", k->lo,
				k->hi);
		if (k->flags & YF_INF)
			fputs(" or `unlimited`", f);
		break;
	case YT_LIST:
		fprintf(f, "list of `%s`", k->sub->title);
		if (k->hi)
			fprintf(f, ", at most %.15g", k->hi);
		break;
	case YT_CHECK: break;
	}
}

static void default_text(FILE *f, const struct ykey *k)
{
	if (k->flags & YF_REQ)
		fputs("required", f);
	else if (k->ddoc)
		fputs(k->ddoc, f);
	else if (!(k->flags & YF_DEF))
		return;
	else if (k->type == YT_STR)
		fputs(k->sdef, f);
	else if (k->type == YT_BOOL)
		fputs(k->def ? "true" : "false", f);
	else if (k->type == YT_ENUM)
		fputs(k->vals[(size_t)(k->def - k->lo)], f);
	else if (k->type == YT_PICK)
		fputs(k->vals[(size_t)k->def], f);
	else
		fprintf(f, "%.15g", k->def);
}

static int seen(struct doc *d, const struct yobj *o)
{
	for (size_t i = 0; i < d->nseen; i++)
		if (d->seen[i] == o)
			return 1;
	if (d->nseen < MAX_DOC_OBJS)
		d->seen[d->nseen++] = o;
	return 0;
}

/* One object's section, then those of the objects its rows hold. */
static void doc_obj(struct doc *d, const struct yobj *o)
{
	if (!o || seen(d, o))
		return;
	FILE *f = d->f;
	if (o->title)
		fprintf(f, "#### `%s`\n\n%s", o->title, o->doc);
	else
		fprintf(f, "#### Top level\n\n%s", o->doc);
	if (o->base)
		fprintf(f, " Also the keys of `%s`.", o->base->title);
	fprintf(f, "\n\n| key | type | default | meaning |\n| --- | --- | --- | --- |\n");
	for (size_t i = 0; i < o->nkeys; i++) {
		const struct ykey *k = &o->keys[i];
		if (k->type == YT_CHECK)
			continue;
		fprintf(f, "| `%s` | ", k->name);
		type_text(f, k);
		fputs(" | ", f);
		default_text(f, k);
		fprintf(f, " | %s |\n", k->doc);
	}
	fputc('\n', f);
	doc_obj(d, o->base);
	for (size_t i = 0; i < o->nkeys; i++)
		doc_obj(d, o->keys[i].sub);
}

void pp_config_keys(FILE *f)
{
	struct doc d = {.f = f};
	fputs("### Site configuration\n\n", f);
	doc_obj(&d, &config_root_obj);
	fputs("### Device profiles\n\n", f);
	doc_obj(&d, &config_profile_obj);
	for (size_t i = 0; config_field_objs[i]; i++)
		doc_obj(&d, config_field_objs[i]);
	fputs("### Plan files\n\n", f);
	doc_obj(&d, &plan_root_obj);
}
