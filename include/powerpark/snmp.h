/* snmp.h - net-snmp set-up shared by the SNMP collector and the simulated
 * park: library start-up without MIBs or config files, numeric OIDs. */
#ifndef PP_SNMP_H
#define PP_SNMP_H

#include <stddef.h>
#include <stdint.h>

#define PP_OID_MAX 64 /* sub-identifiers in one OID */

/* Starts net-snmp once per process: no MIB loading, no config files, no
 * persistent state on disk (profiles hold numeric OIDs). Thread-safe. */
void pp_snmp_init(void);

/* Parses a dotted numeric OID (borrowed; a leading '.' is fine) into out
 * (borrowed, PP_OID_MAX entries). Returns the length, or 0 if malformed. */
size_t pp_snmp_parse_oid(const char *s, unsigned long *out);

/* Formats oid[0..n) (borrowed) as dotted decimal into out (borrowed, len). */
void pp_snmp_format_oid(const unsigned long *oid, size_t n, char *out, size_t len);

#endif
