/*
 * commands.h - the program's commands; each takes argv from its own name on and returns
 * the exit status.
 */
#ifndef NEARDUP_CLI_COMMANDS_H
#define NEARDUP_CLI_COMMANDS_H

int nd_cmd_scan(int argc, char **argv);
int nd_cmd_clean(int argc, char **argv);
int nd_cmd_restore(int argc, char **argv);
int nd_cmd_index(int argc, char **argv); /* cmd_index.c: index create|add|info */
int nd_cmd_check(int argc, char **argv); /* cmd_check.c */

#endif
