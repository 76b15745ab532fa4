/* gsl_quiet.c - see gsl_quiet.h. */
#include <pthread.h>

#include <gsl/gsl_errno.h>

#include "gsl_quiet.h"

static void off(void)
{
	gsl_set_error_handler_off();
}

void pp_gsl_quiet(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, off);
}
