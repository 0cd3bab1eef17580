/* SPDX-License-Identifier: MIT */
/*
 * `help` and `help TOPIC`, word for word as supervisorctl 4.2.5 prints them (the usage lines a command
 * prints after an argument error are the same texts).
 */

#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "sctl.h"

typedef struct HelpTopic {
        const char *topic, *text;
} HelpTopic;

static const HelpTopic topics[] = {
        { "add", "add <name> [...]\tActivates any updates in config for process/group" },
        { "avail", "avail\t\t\tDisplay all configured processes" },
        { "clear", "clear <name>\t\tClear a process' log files.\n"
                   "clear <name> <name>\tClear multiple process' log files\n"
                   "clear all\t\tClear all process' log files" },
        { "exit", "exit\tExit the supervisor shell." },
        { "fg", "fg <process>\tConnect to a process in foreground mode\n"
                "\t\tCtrl-C to exit" },
        { "maintail", "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n"
                      "maintail -100\tlast 100 *bytes* of supervisord main log file\n"
                      "maintail\tlast 1600 *bytes* of supervisor main log file\n" },
        { "open", "open <url>\tConnect to a remote supervisord process.\n"
                  "\t\t(for UNIX domain socket, use unix:///socket/path)" },
        { "pid", "pid\t\t\tGet the PID of supervisord.\n"
                 "pid <name>\t\tGet the PID of a single child process by name.\n"
                 "pid all\t\t\tGet the PID of every child process, one per line." },
        { "quit", "quit\tExit the supervisor shell." },
        { "reload", "reload \t\tRestart the remote supervisord." },
        { "remove", "remove <name> [...]\tRemoves process/group from active config" },
        { "reread", "reread \t\t\tReload the daemon's configuration files without add/remove" },
        { "restart", "restart <name>\t\tRestart a process\n"
                     "restart <gname>:*\tRestart all processes in a group\n"
                     "restart <name> <name>\tRestart multiple processes or groups\n"
                     "restart all\t\tRestart all processes\n"
                     "Note: restart does not reread config files. For that, see reread and update." },
        { "shutdown", "shutdown \tShut the remote supervisord down." },
        { "signal", "signal <signal name> <name>\t\tSignal a process\n"
                    "signal <signal name> <gname>:*\t\tSignal all processes in a group\n"
                    "signal <signal name> <name> <name>\tSignal multiple processes or groups\n"
                    "signal <signal name> all\t\tSignal all processes" },
        { "start", "start <name>\t\tStart a process\n"
                   "start <gname>:*\t\tStart all processes in a group\n"
                   "start <name> <name>\tStart multiple processes or groups\n"
                   "start all\t\tStart all processes" },
        { "status", "status <name>\t\tGet status for a single process\n"
                    "status <gname>:*\tGet status for all processes in a group\n"
                    "status <name> <name>\tGet status for multiple named processes\n"
                    "status\t\t\tGet all process status info" },
        { "stop", "stop <name>\t\tStop a process\n"
                  "stop <gname>:*\t\tStop all processes in a group\n"
                  "stop <name> <name>\tStop multiple processes or groups\n"
                  "stop all\t\tStop all processes" },
        { "tail", "tail [-f] <name> [stdout|stderr] (default stdout)\n"
                  "Ex:\n"
                  "tail -f <name>\t\tContinuous tail of named process stdout\n"
                  "\t\t\tCtrl-C to exit.\n"
                  "tail -100 <name>\tlast 100 *bytes* of process stdout\n"
                  "tail <name> stderr\tlast 1600 *bytes* of process stderr" },
        { "update", "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\n"
                    "update all\t\tReload config and add/remove as necessary, and will restart affected programs\n"
                    "update <gname> [...]\tUpdate specific groups" },
        { "version", "version\t\t\tShow the version of the remote supervisord process" },
};

/* cmd.Cmd's print_topics() of the names above, 80 columns. */
static const char topic_list[] =
        "\n"
        "default commands (type help <topic>):\n"
        "=====================================\n"
        "add    exit      open  reload  restart   start   tail   \n"
        "avail  fg        pid   remove  shutdown  status  update \n"
        "clear  maintail  quit  reread  signal    stop    version\n";

void ctl_help(Ctl *c, const char *topic) {
        if (isempty(topic)) {
                ctl_output("%s", topic_list);
                return;
        }
        if (streq(topic, "help")) {
                ctl_output("help\t\tPrint a list of available actions");
                ctl_output("help <action>\tPrint help for <action>");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(topics); i++)
                if (streq(topics[i].topic, topic)) {
                        ctl_output("%s", topics[i].text);
                        return;
                }
        ctl_output("*** No help on %s", topic);
}
