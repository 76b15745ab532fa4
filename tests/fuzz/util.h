/* util.h - what the fuzz targets of tests/fuzz/ share: a private folder for
 * the files a target hands to a loader that reads paths, and the writing of
 * one such file. docs/fuzzing.md says how the targets are built and run. */
#ifndef PP_FUZZ_UTIL_H
#define PP_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point, which every target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The folder of this process' files (made on the first call, removed at
 * exit): /dev/shm when there is one, else $TMPDIR or /tmp. */
const char *fz_dir(void);

/* Writes len bytes of data (borrowed) to the file name (borrowed, relative
 * to fz_dir(), its folder made) and returns its path (static storage, valid
 * until the next call). Aborts when the file cannot be written: a target
 * that cannot set its input up must not pass silently. */
const char *fz_write(const char *name, const void *data, size_t len);

/* Removes the file name of fz_dir() if it is there. */
void fz_remove(const char *name);

/* The targets' park (two halls, three rows, four racks of three GPU
 * models), loaded once per call (returned, taken: pp_config_destroy);
 * aborts, naming who, if it does not load. */
struct pp_config;
struct pp_config *fz_park(const char *who);

#endif
