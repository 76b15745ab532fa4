/* redfish_json.c - the collector's JSON edge: one Redfish resource's JSON
 * (jansson) read into a struct rf_res. Nothing else in the collector reads
 * JSON; the names of the properties read come from DMTF's schemas
 * (Chassis, Power, Thermal, PowerSubsystem, PowerSupply(Metrics),
 * EnvironmentMetrics, Control, PowerDistribution(Metrics), Circuit,
 * Outlet: Redfish-Publications csdl/ and its mockups public-rackmount1 and
 * public-rackpdu). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "redfish_int.h"

/* A reading: a path of up to three properties, and its field name. */
struct rf_map {
	const char *path[3];
	const char *field;
};

/* A resource's own readings: excerpts ({"Reading": x}) and plain numbers. */
static const struct rf_map self_map[] = {
	{{"PowerWatts", "Reading"}, "power_w"},
	{{"PowerWatts", "ApparentVA"}, "apparent_va"},
	{{"PowerWatts", "PowerFactor"}, "power_factor"},
	{{"EnergykWh", "Reading"}, "energy_kwh"},
	{{"TemperatureCelsius", "Reading"}, "temp_c"},
	{{"HumidityPercent", "Reading"}, "humidity_pct"},
	{{"Voltage", "Reading"}, "voltage_v"},
	{{"CurrentAmps", "Reading"}, "current_a"},
	{{"FrequencyHz", "Reading"}, "frequency_hz"},
	{{"InputVoltage", "Reading"}, "input_voltage_v"},
	{{"InputCurrentAmps", "Reading"}, "input_current_a"},
	{{"InputPowerWatts", "Reading"}, "input_power_w"},
	{{"OutputPowerWatts", "Reading"}, "output_power_w"},
	{{"PowerLimitWatts", "SetPoint"}, "power_limit_w"},
	{{"PolyPhaseCurrentAmps", "Line1", "Reading"}, "current_l1_a"},
	{{"PolyPhaseCurrentAmps", "Line2", "Reading"}, "current_l2_a"},
	{{"PolyPhaseCurrentAmps", "Line3", "Reading"}, "current_l3_a"},
	{{"PolyPhaseVoltage", "Line1ToNeutral", "Reading"}, "voltage_l1n_v"},
	{{"PolyPhaseVoltage", "Line2ToNeutral", "Reading"}, "voltage_l2n_v"},
	{{"PolyPhaseVoltage", "Line3ToNeutral", "Reading"}, "voltage_l3n_v"},
	{{"CapacityWatts"}, "capacity_w"},
	{{"Allocation", "AllocatedWatts"}, "allocated_w"},
	{{"PowerCapacityWatts"}, "capacity_w"},
	{{"SetPoint"}, "setpoint"},
	{{"AllowableMin"}, "allowable_min"},
	{{"AllowableMax"}, "allowable_max"},
};

/* Power's PowerControl[] (the older schema). */
static const struct rf_map power_control_map[] = {
	{{"PowerConsumedWatts"}, "power_w"},
	{{"PowerCapacityWatts"}, "capacity_w"},
	{{"PowerLimit", "LimitInWatts"}, "limit_w"},
	{{"PowerMetrics", "AverageConsumedWatts"}, "power_avg_w"},
	{{"PowerMetrics", "MinConsumedWatts"}, "power_min_w"},
	{{"PowerMetrics", "MaxConsumedWatts"}, "power_max_w"},
};

static const struct rf_map voltage_map[] = {{{"ReadingVolts"}, "voltage_v"}};

static const struct rf_map psu_map[] = {
	{{"PowerInputWatts"}, "input_power_w"},
	{{"LastPowerOutputWatts"}, "output_power_w"},
	{{"LineInputVoltage"}, "input_voltage_v"},
	{{"PowerCapacityWatts"}, "capacity_w"},
};

static const struct rf_map temp_map[] = {{{"ReadingCelsius"}, "temp_c"}};

/* Fans: Reading in the units ReadingUnits says (set apart in read_row). */
static const struct rf_map fan_map[] = {{{"Reading"}, "fan_rpm"}};

#define NMAP(a) (sizeof a / sizeof a[0])

/* The arrays read as rows, by their property. */
static const struct {
	const char *key;
	enum rf_row_kind kind;
	const struct rf_map *map;
	size_t n;
} arrays[] = {
	{"PowerControl", RF_ROW_POWER_CONTROL, power_control_map, NMAP(power_control_map)},
	{"Voltages", RF_ROW_VOLTAGE, voltage_map, NMAP(voltage_map)},
	{"PowerSupplies", RF_ROW_PSU, psu_map, NMAP(psu_map)},
	{"Temperatures", RF_ROW_TEMP, temp_map, NMAP(temp_map)},
	{"Fans", RF_ROW_FAN, fan_map, NMAP(fan_map)},
};

/* The links read, by their property ({"@odata.id": "/redfish/v1/..."});
 * Sessions is under Links. */
static const char *const link_keys[RF_NLINKS] = {
	"Chassis", "PowerEquipment", "RackPDUs", "Sessions", "Power", "Thermal",
	"PowerSubsystem", "EnvironmentMetrics", "PowerSupplies", "Metrics", "Mains", "Branches",
	"Outlets", "Controls",
};

static void copy_str(char *dst, size_t n, json_t *v)
{
	const char *s = json_string_value(v);
	if (s)
		snprintf(dst, n, "%s", s);
}

/* A link's path: a string starting with '/' that fits. */
static int link_of(json_t *o, char *dst)
{
	const char *s = json_string_value(json_object_get(o, "@odata.id"));
	if (!s || s[0] != '/' || strlen(s) >= PP_RF_URI_MAX)
		return 0;
	snprintf(dst, PP_RF_URI_MAX, "%s", s);
	return 1;
}

static void read_vals(json_t *o, const struct rf_map *map, size_t n, struct rf_row *row)
{
	for (size_t i = 0; i < n && row->nvals < PP_RF_MAX_VALS; i++) {
		json_t *v = o;
		for (size_t k = 0; k < 3 && map[i].path[k] && v; k++)
			v = json_is_object(v) ? json_object_get(v, map[i].path[k]) : NULL;
		if (!json_is_number(v))
			continue;
		double d = json_number_value(v);
		if (!isfinite(d))
			continue;
		/* One field once: PowerCapacityWatts after CapacityWatts. */
		if (rf_find(row, map[i].field))
			continue;
		row->vals[row->nvals].field = map[i].field;
		row->vals[row->nvals++].v = d;
	}
}

static void read_row(json_t *m, size_t place, enum rf_row_kind kind, const struct rf_map *map,
		     size_t n, struct rf_row *row)
{
	memset(row, 0, sizeof *row);
	row->kind = kind;
	snprintf(row->name, sizeof row->name, "%zu", place);
	copy_str(row->name, sizeof row->name, json_object_get(m, "MemberId"));
	copy_str(row->name, sizeof row->name, json_object_get(m, "Name"));
	read_vals(m, map, n, row);
	const char *units = json_string_value(json_object_get(m, "ReadingUnits"));
	if (kind == RF_ROW_FAN && row->nvals && units && !strcmp(units, "Percent"))
		row->vals[0].field = "fan_pct";
}

static void read_arrays(json_t *root, struct rf_res *out)
{
	for (size_t a = 0; a < NMAP(arrays); a++) {
		json_t *arr = json_object_get(root, arrays[a].key);
		if (!json_is_array(arr))
			continue;
		size_t i;
		json_t *m;
		json_array_foreach(arr, i, m) {
			if (out->nrows == PP_RF_MAX_ROWS)
				return;
			if (!json_is_object(m))
				continue;
			read_row(m, i, arrays[a].kind, arrays[a].map, arrays[a].n,
				 &out->rows[out->nrows]);
			if (out->rows[out->nrows].nvals)
				out->nrows++;
		}
	}
}

int rf_parse(const char *text, size_t len, struct rf_res *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je);
	if (!root) {
		snprintf(err, errlen, "not JSON (line %d: %s)", je.line, je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	copy_str(out->id, sizeof out->id, json_object_get(root, "Id"));
	copy_str(out->name, sizeof out->name, json_object_get(root, "Name"));
	copy_str(out->control_type, sizeof out->control_type,
		 json_object_get(root, "ControlType"));
	for (int l = 0; l < RF_NLINKS; l++) {
		json_t *o = l == RF_L_SESSIONS
				    ? json_object_get(json_object_get(root, "Links"), link_keys[l])
				    : json_object_get(root, link_keys[l]);
		if (json_is_object(o))
			link_of(o, out->links[l]);
	}
	json_t *mem = json_object_get(root, "Members");
	size_t i;
	json_t *m;
	if (json_is_array(mem))
		json_array_foreach(mem, i, m) {
			if (out->nmembers == PP_RF_MAX_MEMBERS)
				break;
			if (json_is_object(m) && link_of(m, out->members[out->nmembers]))
				out->nmembers++;
		}
	out->rows[0].kind = RF_ROW_SELF;
	snprintf(out->rows[0].name, sizeof out->rows[0].name, "%s", out->id);
	read_vals(root, self_map, NMAP(self_map), &out->rows[0]);
	out->nrows = 1;
	read_arrays(root, out);
	json_decref(root);
	return 0;
}

const struct rf_val *rf_find(const struct rf_row *row, const char *field)
{
	for (size_t i = 0; i < row->nvals; i++)
		if (!strcmp(row->vals[i].field, field))
			return &row->vals[i];
	return NULL;
}
