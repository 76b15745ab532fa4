#include "commands.h"
int pp_cmd_send(int argc, char **argv){(void)argc;(void)argv;return 1;}
int pp_cmd_run(int argc, char **argv){(void)argc;(void)argv;return 1;}
