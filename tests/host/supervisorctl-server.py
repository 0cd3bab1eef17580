# SPDX-License-Identifier: MIT
# Runs the real supervisorctl script many times without paying its start-up each time, for
# test-supervisorctl-compat.sh: started once under the script's own interpreter (its #! line), it
# imports supervisor's modules, then for each request forks and runs the unchanged script in the child
# with the requested argv and the very stdin/stdout/stderr of the shell that asked. A fresh
# `supervisorctl` costs 0.25 s unloaded (0.6 s on a loaded 2-core machine), most of it interpreter
# start-up and imports; a fork of this process costs milliseconds. What runs is still supervisor's code,
# from the same entry point, in a process of its own.
#
#   supervisorctl-server.py SCRIPT REQUEST_FIFO REPLY_FIFO
#
# A request is NUL-terminated fields: the asking shell's pid, its three fds that hold what the command's
# stdin, stdout and stderr are to be, the number of arguments, the arguments. The child gets those fds
# themselves (pidfd_getfd: the same open file descriptions, offsets and flags, as a child of that shell
# would). They are copies, not the shell's 0, 1 and 2: while the shell writes the request, its fd 1 is the
# FIFO. The reply is the child's exit status as
# /bin/sh reports it (128 + N for a signal), one line. The server ends when the request FIFO has no
# writer left (the test ended) or on SIGTERM.

import atexit
import ctypes
import os
import runpy
import sys

SYS_pidfd_getfd = 438

script, request_path, reply_path = sys.argv[1:4]
# What the script's load_entry_point() will load: imported here once, found in sys.modules by each child.
import supervisor.supervisorctl  # noqa: E402,F401
import supervisor.options  # noqa: E402,F401
import importlib.metadata  # noqa: E402,F401  (the script's own lookup of its entry point)

libc = ctypes.CDLL(None, use_errno=True)


def fds_of(pid, targets):
    """The shell's fds TARGETS as fds of this process."""
    pidfd = os.pidfd_open(pid)
    try:
        fds = []
        for target in targets:
            fd = libc.syscall(SYS_pidfd_getfd, pidfd, target, 0)
            if fd < 0:
                err = ctypes.get_errno()
                raise OSError(err, f"pidfd_getfd({pid}, {target}): {os.strerror(err)}")
            fds.append(fd)
        return fds
    finally:
        os.close(pidfd)


def fields(stream):
    """NUL-terminated fields from the request FIFO; ends when every writer has closed it."""
    buf = b""
    while True:
        while b"\0" in buf:
            field, buf = buf.split(b"\0", 1)
            yield field
        chunk = os.read(stream, 65536)
        if not chunk:
            return
        buf += chunk


def become_supervisorctl(fds, argv):
    """In the child: the script, as `supervisorctl ARGV` with FDS as its stdin, stdout and stderr."""
    for target, fd in zip((0, 1, 2), fds):
        os.dup2(fd, target)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    sys.argv = [script] + argv
    # Its end as the interpreter ends `supervisorctl` itself (Python's handle_system_exit and
    # Py_FinalizeEx: the exit code, a non-int code printed, a traceback, atexit, flushed stdio with 120
    # when stdout cannot be flushed), but then _exit: a full finalization of this process takes 0.2 s.
    try:
        runpy.run_path(script, run_name="__main__")
        code = 0
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code
        else:
            print(e.code, file=sys.stderr)
            code = 1
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except Exception:
        code = 120
    try:
        sys.stderr.flush()
    except Exception:
        pass
    os._exit(code & 0xFF)


def main():
    # The test holds both FIFOs open read-write before it starts this, so neither open waits; the request
    # FIFO reads as ended once the test and its subshells have all exited.
    request = os.open(request_path, os.O_RDONLY)
    reply = os.open(reply_path, os.O_WRONLY)
    stream = fields(request)
    for pid in stream:
        try:
            pid = int(pid)
            targets = [int(next(stream)) for _ in range(3)]
            argv = [os.fsdecode(next(stream)) for _ in range(int(next(stream)))]
        except (StopIteration, ValueError) as e:
            sys.exit(f"supervisorctl-server: a request it cannot read ({e!r}); ending")
        try:
            fds = fds_of(pid, targets)
        except OSError as e:
            print(f"supervisorctl-server: {e}", file=sys.stderr, flush=True)
            os.write(reply, b"125\n")
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        child = os.fork()
        if child == 0:
            become_supervisorctl(fds, argv)
        for fd in fds:
            os.close(fd)
        _, status = os.waitpid(child, 0)
        code = os.waitstatus_to_exitcode(status)
        os.write(reply, f"{128 - code if code < 0 else code}\n".encode())


main()
