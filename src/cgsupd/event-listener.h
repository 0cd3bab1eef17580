/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * [eventlistener:x]: supervisord's event listener protocol, unchanged (supervisor/dispatchers.py,
 * process.py EventListenerPool). A pool per section subscribes to its events= on the event bus and
 * buffers them (buffer_size, the oldest dropped with an error when full); each instance of the pool is
 * an ordinary contained program whose stdin gets the events and whose stdout speaks the protocol:
 *
 *   listener -> "READY\n"                      (ACKNOWLEDGED -> READY)
 *   cgsupd   -> "ver:3.0 server:ID serial:N pool:x poolserial:M eventname:T len:L\n" + L characters
 *                                              (READY -> BUSY, only while the instance is RUNNING)
 *   listener -> "RESULT 2\nOK"                 (BUSY -> ACKNOWLEDGED; anything but OK rejects the event,
 *                                               which goes back to the head of the buffer)
 *
 * Anything else puts the instance in the UNKNOWN state (logged): it gets no more events until it is
 * started again. An instance that ends while BUSY gives its event back to the head of the buffer.
 * Its stdout is also logged like any program's (supervisord does the same).
 */

#include <stddef.h>

#include "program.h"

/* The manager added / removes an instance: instances of [eventlistener:x] join / leave their pool (made
 * on the first, freed with the last). No-ops for other programs. */
int event_listener_program_added(Manager *m, Program *p);
void event_listener_program_removed(Manager *m, Program *p);
/* A reload gave @p a new configuration: its pool follows new events= / buffer_size= (the buffer keeps its
 * newest events), and a program that became or stopped being a listener joins or leaves. */
int event_listener_config_changed(Manager *m, Program *p);
/* Bytes the instance wrote on stdout (the log capture's observer). */
void event_listener_stdout(Program *p, const char *data, size_t size);
/* Every pool and listener state (manager_free). */
void event_listener_free_all(Manager *m);
