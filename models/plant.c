/* plant.c - plant sequencing and site accounting (see plant.h). */
#include <math.h>
#include <string.h>

#include "powerpark/config.h"
#include "powerpark/plant.h"

int pp_plant_init(struct pp_plant_model *p, enum pp_plant_design d, const char *model, int n,
		  double chiller_kw, int reserve, double supply_c, double return_c)
{
	memset(p, 0, sizeof *p);
	p->design = d;
	if (!model)
		model = d == PP_PLANT_WATER_TOWERS ? "doe2-centrifugal" : "ashrae901-aircooled";
	p->chiller = pp_chiller_find(model);
	if (!p->chiller)
		return -1;
	p->n_chillers = n;
	p->reserve = reserve;
	p->chiller_kw = chiller_kw;
	p->supply_c = supply_c;
	p->return_c = return_c;
	p->hx_approach = 1.5;
	double rej = n * chiller_kw * 1.2; /* heat plus compressor work */
	pp_heatrej_tower_init(&p->tower, rej);
	pp_heatrej_dry_init(&p->dry, d == PP_PLANT_LIQUID_DRY ? rej : n * chiller_kw);
	p->pump_kw_per_kw = 0.025;
	p->air_kw_per_kw = d == PP_PLANT_LIQUID_DRY ? 0.01 : 0.035;
	return 0;
}

/* Stages chillers for mech_kw at leaving x and condenser y: the fewest that
 * carry it without the reserve, then the reserve, sharing the load evenly. */
static void stage(const struct pp_plant_model *p, double mech_kw, double x, double y,
		  struct pp_plant_out *o)
{
	struct pp_chiller_out c;
	pp_chiller_eval(p->chiller, p->chiller_kw, 0, x, y, &c);
	double each = c.cap_kw;
	int base = p->n_chillers - p->reserve;
	if (base < 0)
		base = 0;
	o->capacity_kw = base * each;
	if (mech_kw <= 0 || each <= 0) {
		o->unmet_kw = mech_kw > 0 ? mech_kw : 0;
		return;
	}
	int k = (int)ceil(mech_kw / each - 1e-9);
	if (k < 1)
		k = 1;
	if (k > p->n_chillers)
		k = p->n_chillers;
	pp_chiller_eval(p->chiller, p->chiller_kw, mech_kw / k, x, y, &c);
	o->chillers_on = k;
	o->chiller_kw = c.power_kw * k;
	o->unmet_kw = c.unmet_kw * k;
}

/* Chillers carrying mech_kw on towers aiming at set_c (-100: fans flat out
 * for the heat exchanger). Two passes settle the condenser heat (load plus
 * compressor work); y0 is the first guess of the condenser water. */
static void towers_mech(const struct pp_plant_model *p, double load_kw, double mech_kw, double wb_c,
			double set_c, double y0, struct pp_plant_out *o, struct pp_tower_out *t)
{
	double y = y0;
	for (int it = 0; it < 2; it++) {
		stage(p, mech_kw, p->supply_c, y, o);
		pp_heatrej_tower_eval(&p->tower, load_kw + o->chiller_kw, wb_c, set_c, t);
		y = t->leave_c;
	}
	o->cond_c = y;
}

static enum pp_plant_design design_of(const struct pp_plant *pc)
{
	for (size_t e = 0; e < pc->nequip; e++) {
		if (pc->equip[e].kind == PP_EQ_TOWER)
			return PP_PLANT_WATER_TOWERS;
		if (pc->equip[e].kind == PP_EQ_DRYCOOLER)
			return PP_PLANT_LIQUID_DRY;
	}
	for (size_t e = 0; e < pc->nequip; e++)
		if (pc->equip[e].kind == PP_EQ_CHILLER && pc->equip[e].model &&
		    strstr(pc->equip[e].model, "air"))
			return PP_PLANT_AIR_CHILLERS;
	return PP_PLANT_WATER_TOWERS;
}

int pp_plant_of_config(const struct pp_plant *pc, struct pp_plant_model *p)
{
	int n = 0;
	double kw = 0;
	const char *model = NULL;
	memset(p, 0, sizeof *p);
	for (size_t e = 0; e < pc->nequip; e++)
		if (pc->equip[e].kind == PP_EQ_CHILLER) {
			n++;
			kw = fmax(kw, pc->equip[e].capacity_kw);
			model = model ? model : pc->equip[e].model;
		}
	double sup = pc->chw_supply_c > 0 ? pc->chw_supply_c : 18;
	if (n && pp_plant_init(p, design_of(pc), model, n, kw, pc->reserve, sup, sup + 6))
		return -1;
	return n;
}

int pp_plant_chiller_index(const struct pp_plant *pc, const char *name)
{
	for (size_t e = 0, k = 0; e < pc->nequip; e++) {
		if (pc->equip[e].kind != PP_EQ_CHILLER)
			continue;
		if (!strcmp(pc->equip[e].name, name))
			return (int)k;
		k++;
	}
	return -1;
}

void pp_plant_eval(const struct pp_plant_model *p, double load_kw, double db_c, double wb_c,
		   struct pp_plant_out *o)
{
	memset(o, 0, sizeof *o);
	load_kw = fmax(load_kw, 0);
	struct pp_tower_out t;
	double mech = load_kw, free_kw = 0;
	switch (p->design) {
	case PP_PLANT_WATER_TOWERS: {
		/* Economizer: how cold can the towers make the load's water? */
		pp_heatrej_tower_eval(&p->tower, load_kw, wb_c, -100, &t);
		o->free_fraction = pp_heatrej_economizer(t.leave_c, p->hx_approach, p->supply_c,
							  p->return_c);
		free_kw = o->free_fraction * load_kw;
		mech = load_kw - free_kw;
		if (o->free_fraction >= 1) {
			/* All free: the fans slow until the water is just cold enough. */
			pp_heatrej_tower_eval(&p->tower, load_kw, wb_c, p->supply_c - p->hx_approach, &t);
			stage(p, 0, p->supply_c, t.leave_c, o);
		} else {
			towers_mech(p, load_kw, mech, wb_c, o->free_fraction > 0 ? -100 : p->chiller->y_min,
				    t.leave_c, o, &t);
			if (o->free_fraction > 0) {
				/* A little free cooling can cost more fan power than it saves:
				 * the controller locks the economizer out when so. */
				struct pp_plant_out b = *o;
				struct pp_tower_out tb;
				towers_mech(p, load_kw, load_kw, wb_c, p->chiller->y_min, t.leave_c, &b,
					    &tb);
				if (b.chiller_kw + tb.fan_kw < o->chiller_kw + t.fan_kw) {
					b.free_fraction = 0;
					*o = b;
					t = tb;
					free_kw = 0;
				}
			}
		}
		o->fan_kw = t.fan_kw;
		o->water_lph = t.water_lph;
		if (!o->cond_c)
			o->cond_c = t.leave_c;
		break;
	}
	case PP_PLANT_LIQUID_DRY: {
		pp_heatrej_dry_eval(&p->dry, load_kw, db_c, p->supply_c - p->hx_approach, &t);
		o->free_fraction = pp_heatrej_economizer(t.leave_c, p->hx_approach, p->supply_c,
							  p->return_c);
		free_kw = o->free_fraction * load_kw;
		mech = load_kw - free_kw;
		stage(p, mech, fmin(p->supply_c, p->chiller->x_max), db_c, o);
		o->fan_kw = t.fan_kw;
		o->cond_c = db_c;
		break;
	}
	case PP_PLANT_AIR_CHILLERS:
	default:
		stage(p, mech, p->supply_c, db_c, o);
		o->cond_c = db_c;
		break;
	}
	/* Heat the free path can carry counts as capacity next to the chillers. */
	o->capacity_kw += free_kw;
	o->remaining_kw = o->capacity_kw - load_kw;
	o->pump_kw = p->pump_kw_per_kw * load_kw;
	o->air_kw = p->air_kw_per_kw * load_kw;
	o->cooling_kw = o->chiller_kw + o->fan_kw + o->pump_kw + o->air_kw;
}

void pp_plant_acc_init(struct pp_plant_acc *s)
{
	memset(s, 0, sizeof *s);
}

void pp_plant_acc_add(struct pp_plant_acc *s, double it_kw, double cooling_kw, double other_kw,
		 double water_lph, double dt_h)
{
	s->it_kwh += it_kw * dt_h;
	s->cooling_kwh += cooling_kw * dt_h;
	s->other_kwh += other_kw * dt_h;
	s->water_l += water_lph * dt_h;
	s->hours += dt_h;
	double total = it_kw + cooling_kw + other_kw;
	if (total > s->peak_kw)
		s->peak_kw = total;
}

double pp_plant_acc_pue(const struct pp_plant_acc *s)
{
	return s->it_kwh > 0 ? (s->it_kwh + s->cooling_kwh + s->other_kwh) / s->it_kwh : 0;
}

double pp_plant_acc_wue(const struct pp_plant_acc *s)
{
	return s->it_kwh > 0 ? s->water_l / s->it_kwh : 0;
}
