/* test_redfish.c - the Redfish JSON reader (collector/drivers/redfish_json.c)
 * on resources shaped like DMTF's public-rackmount1 and public-rackpdu
 * mockups, and on what real services get wrong (nulls, strings for
 * numbers, too many members, not JSON); and the PATCH bodies of a power
 * limit, read back. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collector/drivers/redfish_int.h"
#include "pp_test.h"

static struct rf_res res;

static int parse(const char *s)
{
	char err[200];
	return rf_parse(s, strlen(s), &res, err, sizeof err);
}

static double val(size_t row, const char *field)
{
	const struct rf_val *v = row < res.nrows ? rf_find(&res.rows[row], field) : NULL;
	return v ? v->v : NAN;
}

static void t_chassis_links(void)
{
	PT_CHECK(!parse("{\"@odata.id\": \"/redfish/v1/Chassis/1U\", \"Id\": \"1U\", \"Name\": "
			"\"Computer System Chassis\", \"Power\": {\"@odata.id\": "
			"\"/redfish/v1/Chassis/1U/Power\"}, \"PowerSubsystem\": {\"@odata.id\": "
			"\"/redfish/v1/Chassis/1U/PowerSubsystem\"}, \"Controls\": {\"@odata.id\": "
			"\"/redfish/v1/Chassis/1U/Controls\"}, \"Thermal\": {\"@odata.id\": \"http://x/y\"}}"),
		 "a chassis parses");
	PT_CHECK(!strcmp(res.id, "1U") && !strcmp(res.name, "Computer System Chassis"), "id, name");
	PT_CHECK(!strcmp(res.links[RF_L_POWER], "/redfish/v1/Chassis/1U/Power") &&
		 !strcmp(res.links[RF_L_POWER_SUBSYSTEM], "/redfish/v1/Chassis/1U/PowerSubsystem") &&
		 !strcmp(res.links[RF_L_CONTROLS], "/redfish/v1/Chassis/1U/Controls"), "links");
	PT_CHECK(!res.links[RF_L_THERMAL][0], "a link that is no path is left out");
	PT_CHECK(!res.links[RF_L_ENV_METRICS][0] && res.nrows == 1 && !res.rows[0].nvals,
		 "nothing else");
}

static void t_root_and_collection(void)
{
	PT_CHECK(!parse("{\"Chassis\": {\"@odata.id\": \"/redfish/v1/Chassis\"}, \"Links\": "
			"{\"Sessions\": {\"@odata.id\": \"/redfish/v1/SessionService/Sessions\"}}}"),
		 "a service root parses");
	PT_CHECK(!strcmp(res.links[RF_L_SESSIONS], "/redfish/v1/SessionService/Sessions"),
		 "Links.Sessions found");
	char big[PP_RF_MAX_MEMBERS * 48 + 200];
	size_t o = (size_t)snprintf(big, sizeof big, "{\"Members\": [");
	for (int i = 0; i < PP_RF_MAX_MEMBERS + 5; i++)
		o += (size_t)snprintf(big + o, sizeof big - o, "%s{\"@odata.id\": \"/r/%d\"}",
				      i ? "," : "", i);
	snprintf(big + o, sizeof big - o, ", 7, {\"x\": 1}]}");
	PT_CHECK(!parse(big) && res.nmembers == PP_RF_MAX_MEMBERS &&
		 !strcmp(res.members[3], "/r/3"), "members kept up to the limit (%zu)", res.nmembers);
}

static void t_power_arrays(void)
{
	PT_CHECK(!parse("{\"Id\": \"Power\", \"PowerControl\": [{\"MemberId\": \"0\", \"Name\": "
			"\"System Input Power\", \"PowerConsumedWatts\": 344, \"PowerCapacityWatts\": 800, "
			"\"PowerLimit\": {\"LimitInWatts\": 500}, \"PowerMetrics\": "
			"{\"AverageConsumedWatts\": 319}}], \"Voltages\": [{\"MemberId\": \"0\", "
			"\"Name\": \"VRM1 Voltage\", \"ReadingVolts\": 12}, {\"MemberId\": \"1\", "
			"\"ReadingVolts\": null}, {\"MemberId\": \"2\", \"ReadingVolts\": \"5\"}, "
			"{\"MemberId\": \"3\", \"ReadingVolts\": true}], \"PowerSupplies\": "
			"[{\"MemberId\": \"0\", \"LastPowerOutputWatts\": 325, \"LineInputVoltage\": 120}]}"),
		 "a Power resource parses");
	PT_CHECK(res.nrows == 4, "rows: self, one PowerControl, one voltage, one PSU (%zu)",
		 res.nrows);
	PT_CHECK(res.rows[1].kind == RF_ROW_POWER_CONTROL &&
		 !strcmp(res.rows[1].name, "System Input Power") && val(1, "power_w") == 344 &&
		 val(1, "limit_w") == 500 && val(1, "capacity_w") == 800 &&
		 val(1, "power_avg_w") == 319, "PowerControl[0]");
	PT_CHECK(res.rows[2].kind == RF_ROW_VOLTAGE && val(2, "voltage_v") == 12,
		 "a voltage; null, a string, a bool are no readings");
	PT_CHECK(res.rows[3].kind == RF_ROW_PSU && !strcmp(res.rows[3].name, "0") &&
		 val(3, "output_power_w") == 325, "a PSU named by its MemberId without a Name");
}

static void t_excerpts(void)
{
	PT_CHECK(!parse("{\"Id\": \"A1\", \"PowerWatts\": {\"Reading\": 197.4, \"PowerFactor\": 1}, "
			"\"EnergykWh\": {\"Reading\": 36166}, \"CurrentAmps\": {\"Reading\": 1.68}, "
			"\"Voltage\": {\"Reading\": 117.5}, \"PolyPhaseCurrentAmps\": {\"Line2\": "
			"{\"Reading\": 4.5}}, \"FrequencyHz\": {\"Reading\": null}}"),
		 "an outlet parses");
	PT_CHECK(val(0, "power_w") == 197.4 && val(0, "power_factor") == 1 &&
		 val(0, "energy_kwh") == 36166 && val(0, "current_a") == 1.68 &&
		 val(0, "voltage_v") == 117.5 && val(0, "current_l2_a") == 4.5,
		 "its excerpts' readings");
	PT_CHECK(isnan(val(0, "frequency_hz")) && isnan(val(0, "current_l1_a")), "null, absent");
	PT_CHECK(!parse("{\"CapacityWatts\": 6400, \"PowerCapacityWatts\": 3200}") &&
		 val(0, "capacity_w") == 6400 && res.rows[0].nvals == 1, "one field once");
}

static void t_fans_units(void)
{
	PT_CHECK(!parse("{\"Fans\": [{\"Name\": \"a\", \"Reading\": 8100, \"ReadingUnits\": \"RPM\"}, "
			"{\"Name\": \"b\", \"Reading\": 45, \"ReadingUnits\": \"Percent\"}]}") &&
		 res.nrows == 3, "fans parse");
	PT_CHECK(val(1, "fan_rpm") == 8100 && val(2, "fan_pct") == 45 && isnan(val(2, "fan_rpm")),
		 "by ReadingUnits");
}

static void t_not_json(void)
{
	char err[200] = "";
	PT_CHECK(rf_parse("{\"Id\": ", 7, &res, err, sizeof err) == -1 && strstr(err, "not JSON"),
		 "cut JSON refused: %s", err);
	PT_CHECK(rf_parse("[1]", 3, &res, err, sizeof err) == -1 && strstr(err, "not a JSON object"),
		 "an array refused: %s", err);
	char longname[300];
	memset(longname, 'x', sizeof longname);
	memcpy(longname, "{\"Id\":\"", 7);
	memcpy(longname + sizeof longname - 3, "\"}", 3);
	PT_CHECK(!parse(longname) && strlen(res.id) == PP_RF_NAME_MAX - 1, "a long Id cut");
}

static void t_limit_bodies(void)
{
	struct pp_buf b;
	pp_buf_init(&b);
	PT_CHECK(rf_limit_body(1, 1800, &b) == PP_OK && !strcmp(b.data, "{\"SetPoint\":1800}"),
		 "a Control's body: %s", b.data ? b.data : "");
	PT_CHECK(!parse(b.data) && val(0, "setpoint") == 1800, "... reads back");
	PT_CHECK(rf_limit_body(0, 2400, &b) == PP_OK &&
		 !strcmp(b.data, "{\"PowerControl\":[{\"PowerLimit\":{\"LimitInWatts\":2400}}]}"),
		 "Power's body: %s", b.data ? b.data : "");
	PT_CHECK(!parse(b.data) && val(1, "limit_w") == 2400, "... reads back");
	pp_buf_free(&b);
}

int main(void)
{
	PT_RUN(t_chassis_links);
	PT_RUN(t_root_and_collection);
	PT_RUN(t_power_arrays);
	PT_RUN(t_excerpts);
	PT_RUN(t_fans_units);
	PT_RUN(t_not_json);
	PT_RUN(t_limit_bodies);
	return PT_DONE("test_redfish");
}
