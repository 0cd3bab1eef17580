/* SPDX-License-Identifier: MIT */
/*
 * cgsup's page for Cockpit. It talks to cgsupd only through cockpit.dbus() on the system bus: no backend
 * of its own, nothing to build. Every figure comes from the daemon in two calls per refresh (ListPrograms
 * for states, PIDs and exits; GetMetrics for the cgroup figures), and the daemon's signals
 * (ProgramStateChanged, JobRemoved, ProgramAdded/Removed) trigger a refresh at once, so a change made with
 * cgsupctl shows without a reload. Start/stop/restart call the waiting job methods, so the message shown is
 * the job's outcome, not "request sent". Who may do what is polkit's business in cgsupd: a denial is shown
 * with the daemon's own words.
 */
(function () {
    "use strict";

    const BUS_NAME = "org.cgsup1";
    const MANAGER_PATH = "/org/cgsup1";
    const MANAGER = "org.cgsup1.Manager";
    const REFRESH_MS = 2000;
    const HISTORY_SAMPLES = 150; /* 5 minutes at REFRESH_MS */
    const OUTPUT_CHUNK = 16384;
    /* GetProgramOutput's cursor "the last max_bytes" for JavaScript clients (2^53 - 1): Cockpit's bridge (287)
     * carries a D-Bus uint64 as a JSON int64 into a double, so UINT64_MAX cannot be sent, and cgsupd's
     * UINT64_MAX ("no limit", "unknown") arrives as -1. Cursors cgsupd hands out are below 2^53: exact. */
    const CURSOR_TAIL = Number.MAX_SAFE_INTEGER;
    const OUTPUT_KEEP_CHARS = 128 * 1024;
    const DONE = { start: "started", stop: "stopped", restart: "restarted", kill: "signalled",
                   limits: "limits applied" };

    let client = null;
    const programs = new Map(); /* display name -> { row, cells, cpuPrev, history } */
    let selected = null;
    const output = { name: null, stream: "stdout", cursor: null, busy: false };
    let refreshTimer = null;
    let refreshing = false;
    let refreshAgain = false;

    function known(v) {
        return typeof v === "number" && v >= 0;
    }

    function displayName(group, name) {
        return group && group !== name ? group + ":" + name : name;
    }

    function formatBytes(n) {
        if (!known(n))
            return "-";
        const units = ["B", "K", "M", "G", "T"];
        let i = 0;
        while (n >= 1024 && i < units.length - 1) {
            n /= 1024;
            i++;
        }
        return (i === 0 || n >= 100 ? n.toFixed(0) : n.toFixed(1)) + units[i];
    }

    function formatDuration(usec) {
        if (!known(usec) || usec === 0)
            return "-";
        let s = Math.floor(usec / 1e6);
        const d = Math.floor(s / 86400);
        const h = Math.floor((s % 86400) / 3600);
        const m = Math.floor((s % 3600) / 60);
        s %= 60;
        if (d > 0)
            return d + "d " + h + "h";
        if (h > 0)
            return h + "h " + m + "min";
        if (m > 0)
            return m + "min " + s + "s";
        return s + "s";
    }

    function metric(dict, key) {
        const v = dict ? dict[key] : undefined;
        return v && "v" in v ? v.v : undefined;
    }

    /* The daemon's error in plain words. A polkit denial names the action; without administrative access
     * Cockpit calls as the logged-in user, so say how to get it. */
    function describeError(err) {
        const name = err && err.name ? err.name : "";
        const text = err && err.message ? err.message : String(err);
        if (name === "org.cgsup1.Error.AccessDenied" || name === "org.freedesktop.DBus.Error.AccessDenied")
            return "Not authorized: " + text + " (turn on administrative access, or ask an admin)";
        if (name === "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired")
            return "Authentication is required: " + text + " (turn on administrative access)";
        if (name === "org.freedesktop.DBus.Error.ServiceUnknown" || (err && err.problem === "not-found"))
            return "cgsupd is not running (nobody owns org.cgsup1 on the system bus)";
        return text + (name ? " [" + name + "]" : "");
    }

    function showMessage(text, kind) {
        const box = document.getElementById("message");
        box.textContent = text;
        box.className = kind || "";
        box.hidden = false;
    }

    function call(method, args, types, timeoutMs) {
        /* flags "i": polkit may ask for a password through Cockpit's agent. */
        return client.call(MANAGER_PATH, MANAGER, method, args,
                           { type: types, flags: "i", timeout: timeoutMs || 30000 });
    }

    function runAction(name, verb, method, args, types) {
        showMessage(name + ": " + verb + " …", "busy");
        /* The job methods reply when the job has ended: a stop can last stopwaitsecs and more. */
        return call(method, args, types, 10 * 60 * 1000)
                .then(() => showMessage(name + ": " + DONE[verb], "ok"))
                .catch(err => showMessage(name + ": " + verb + " failed: " + describeError(err), "error"))
                .finally(() => scheduleRefresh(0));
    }

    function newRow(name) {
        const tbody = document.querySelector("#programs tbody");
        const row = document.createElement("tr");
        row.dataset.program = name;
        const cells = {};
        for (const key of ["name", "state", "pid", "uptime", "cpu", "memory", "pids", "restarts", "health",
            "exit", "actions"]) {
            const td = document.createElement("td");
            td.className = key;
            if (["pid", "cpu", "memory", "pids", "restarts"].includes(key))
                td.classList.add("num");
            row.appendChild(td);
            cells[key] = td;
        }
        cells.name.textContent = name;

        const button = (verb, label, method) => {
            const b = document.createElement("button");
            b.textContent = label;
            b.className = "act-" + verb;
            b.addEventListener("click", ev => {
                ev.stopPropagation();
                runAction(name, verb, method, [name], "s");
            });
            cells.actions.appendChild(b);
        };
        button("start", "Start", "StartProgram");
        button("stop", "Stop", "StopProgram");
        button("restart", "Restart", "RestartProgram");

        const sig = document.createElement("select");
        sig.className = "signal";
        for (const s of ["TERM", "HUP", "INT", "USR1", "USR2", "KILL"]) {
            const o = document.createElement("option");
            o.value = o.textContent = s;
            sig.appendChild(o);
        }
        sig.addEventListener("click", ev => ev.stopPropagation());
        cells.actions.appendChild(sig);
        const k = document.createElement("button");
        k.textContent = "Signal";
        k.className = "act-kill";
        k.addEventListener("click", ev => {
            ev.stopPropagation();
            runAction(name, "kill", "KillProgram", [name, sig.value], "ss");
        });
        cells.actions.appendChild(k);

        row.addEventListener("click", () => select(name));
        tbody.appendChild(row);
        return { row, cells, cpuPrev: null, history: [], maxMemory: undefined };
    }

    function setState(td, state, sub) {
        td.textContent = "";
        const s = document.createElement("span");
        s.className = "state-" + state;
        s.textContent = state;
        td.appendChild(s);
        if (sub) {
            const d = document.createElement("span");
            d.className = "sub";
            d.textContent = sub;
            td.appendChild(d);
        }
    }

    function againstLimit(current, max, format) {
        if (!known(current))
            return { text: "-", near: false };
        if (!known(max))
            return { text: format(current), near: false };
        return { text: format(current) + " / " + format(max), near: current >= 0.9 * max };
    }

    function exitText(reason, code, signal, detail, survivors) {
        if (detail)
            return detail;
        let t = "";
        if (reason === "exit-code")
            t = "exit " + code;
        else if (reason === "signal")
            t = "signal " + signal;
        else if (reason)
            t = reason;
        if (survivors > 0)
            t += (t ? ", " : "") + survivors + " left in cgroup";
        return t || "-";
    }

    function update(list, metrics) {
        const now = performance.now();
        const byName = new Map();
        for (const [name, group, dict] of metrics[1])
            byName.set(displayName(group, name), dict);

        const seen = new Set();
        for (const e of list) {
            const [name, group, state, exitReason, exitCode, exitSignal, pid, , , memCurrent, memMax, ,
                survivors, exitDetail, subState] = e;
            const shown = displayName(group, name);
            const m = byName.get(shown);
            seen.add(shown);
            let p = programs.get(shown);
            if (!p) {
                p = newRow(shown);
                programs.set(shown, p);
            }
            const c = p.cells;
            setState(c.state, state, subState);
            c.pid.textContent = pid > 0 ? String(pid) : "-";
            c.uptime.textContent = formatDuration(metric(m, "UptimeUSec"));

            /* CPU % from the cgroup's usage between two refreshes (100 % = one CPU busy). */
            const user = metric(m, "CPUUserUSec"), system = metric(m, "CPUSystemUSec");
            let cpuPct;
            if (known(user) && known(system)) {
                const used = user + system;
                if (p.cpuPrev && used >= p.cpuPrev.used && now > p.cpuPrev.at)
                    cpuPct = (used - p.cpuPrev.used) / ((now - p.cpuPrev.at) * 1000) * 100;
                p.cpuPrev = { used, at: now };
            } else {
                p.cpuPrev = null;
            }
            c.cpu.textContent = cpuPct === undefined ? "-" : cpuPct.toFixed(1) + "%";

            const mem = againstLimit(known(metric(m, "MemoryCurrent")) ? metric(m, "MemoryCurrent") : memCurrent,
                                     known(metric(m, "MemoryMax")) ? metric(m, "MemoryMax") : memMax,
                                     formatBytes);
            c.memory.textContent = mem.text;
            c.memory.classList.toggle("near-limit", mem.near);
            const tasks = againstLimit(metric(m, "TasksCurrent"), metric(m, "TasksMax"), String);
            c.pids.textContent = tasks.text;
            c.pids.classList.toggle("near-limit", tasks.near);
            const restarts = metric(m, "Restarts");
            c.restarts.textContent = restarts === undefined ? "-" : String(restarts);
            const healthy = metric(m, "Healthy");
            c.health.textContent = healthy === undefined ? "-" : healthy ? "healthy" : "failing";
            c.exit.textContent = exitText(exitReason, exitCode, exitSignal, exitDetail, survivors);

            p.history.push({ memory: known(metric(m, "MemoryCurrent")) ? metric(m, "MemoryCurrent") : undefined,
                             cpu: cpuPct });
            if (p.history.length > HISTORY_SAMPLES)
                p.history.shift();
            p.maxMemory = known(metric(m, "MemoryMax")) ? metric(m, "MemoryMax") : undefined;
        }
        for (const [shown, p] of programs) {
            if (!seen.has(shown)) {
                p.row.remove();
                programs.delete(shown);
                if (selected === shown)
                    select(null);
            }
        }
        document.getElementById("empty").hidden = programs.size > 0;

        const d = metrics[0];
        document.getElementById("daemon").textContent =
            "cgsupd " + (metric(d, "Version") || "?") + ", PID " + (metric(d, "PID") || "?") + ", " +
            programs.size + (programs.size === 1 ? " program" : " programs");
        if (selected)
            drawGraph(programs.get(selected));
    }

    function refresh() {
        if (refreshing) {
            refreshAgain = true;
            return;
        }
        refreshing = true;
        Promise.all([call("ListPrograms", [], ""), call("GetMetrics", [], "")])
                .then(([list, metrics]) => {
                    update(list[0], metrics);
                    if (document.getElementById("message").dataset.lost === "yes") {
                        document.getElementById("message").hidden = true;
                        document.getElementById("message").dataset.lost = "";
                    }
                    return readOutput();
                })
                .catch(err => {
                    showMessage(describeError(err), "error");
                    document.getElementById("message").dataset.lost = "yes";
                })
                .finally(() => {
                    refreshing = false;
                    scheduleRefresh(refreshAgain ? 0 : REFRESH_MS);
                    refreshAgain = false;
                });
    }

    function scheduleRefresh(ms) {
        if (refreshTimer)
            window.clearTimeout(refreshTimer);
        refreshTimer = window.setTimeout(() => {
            refreshTimer = null;
            refresh();
        }, ms);
    }

    function select(name) {
        selected = name;
        for (const [shown, p] of programs)
            p.row.classList.toggle("selected", shown === name);
        const detail = document.getElementById("detail");
        detail.hidden = !name;
        if (!name)
            return;
        document.getElementById("detail-name").textContent = name;
        resetOutput();
        drawGraph(programs.get(name));
        readOutput();
    }

    function resetOutput() {
        output.name = selected;
        output.stream = document.getElementById("stream").value;
        output.cursor = null;
        document.getElementById("output").textContent = "";
    }

    function decodeBase64(b64) {
        const bin = window.atob(b64 || "");
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++)
            bytes[i] = bin.charCodeAt(i);
        return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
    }

    function appendOutput(text) {
        const pre = document.getElementById("output");
        const follow = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
        let all = pre.textContent + text;
        if (all.length > OUTPUT_KEEP_CHARS)
            all = all.slice(all.length - OUTPUT_KEEP_CHARS);
        pre.textContent = all;
        if (follow)
            pre.scrollTop = pre.scrollHeight;
    }

    /* The selected program's output, read by GetProgramOutput's cursor: the last bytes first, then what
     * follows at each refresh, each byte once; gaps cgsupd reports are marked. Output is secret to cgsupd
     * (polkit checks it like a change), so a denial is shown in the output pane. */
    function readOutput() {
        if (!output.name || output.busy)
            return Promise.resolve();
        const name = output.name, stream = output.stream;
        const cursor = output.cursor === null ? CURSOR_TAIL : output.cursor;
        output.busy = true;
        return client.call(MANAGER_PATH, MANAGER, "GetProgramOutput", [name, stream, cursor, OUTPUT_CHUNK],
                           { type: "sstt", flags: "i" })
                .then(([data, next, lost]) => {
                    if (output.name !== name || output.stream !== stream)
                        return;
                    if (output.cursor !== null && lost !== 0)
                        appendOutput(known(lost) ? "\n[… " + lost + " bytes lost …]\n"
                                                 : "\n[… output of an earlier run, gap unknown …]\n");
                    appendOutput(decodeBase64(data));
                    output.cursor = next;
                })
                .catch(err => {
                    if (output.name === name)
                        document.getElementById("output").textContent = "Output not shown: " + describeError(err);
                })
                .finally(() => {
                    output.busy = false;
                });
    }

    function drawGraph(p) {
        const canvas = document.getElementById("graph");
        const ctx = canvas.getContext("2d");
        const w = canvas.width, h = canvas.height;
        ctx.clearRect(0, 0, w, h);
        if (!p)
            return;
        const hist = p.history;
        const step = w / (HISTORY_SAMPLES - 1);
        const x0 = w - (hist.length - 1) * step;

        let memScale = p.maxMemory || 0;
        let cpuScale = 100;
        for (const s of hist) {
            if (s.memory !== undefined && s.memory > memScale)
                memScale = s.memory;
            if (s.cpu !== undefined && s.cpu > cpuScale)
                cpuScale = s.cpu;
        }
        const line = (key, scale, color) => {
            ctx.strokeStyle = color;
            ctx.lineWidth = 2;
            ctx.beginPath();
            let pen = false;
            hist.forEach((s, i) => {
                if (s[key] === undefined || !scale) {
                    pen = false;
                    return;
                }
                const x = x0 + i * step, y = h - 4 - (s[key] / scale) * (h - 20);
                if (pen)
                    ctx.lineTo(x, y);
                else
                    ctx.moveTo(x, y);
                pen = true;
            });
            ctx.stroke();
        };
        line("memory", memScale, "#0066cc");
        line("cpu", cpuScale, "#ec7a08");
        ctx.fillStyle = "#6a6e73";
        ctx.font = "11px sans-serif";
        ctx.fillText("memory up to " + formatBytes(memScale) + (p.maxMemory ? " (limit)" : "") +
                     ", CPU up to " + cpuScale.toFixed(0) + "%", 6, 12);
    }

    function applyLimits(ev) {
        ev.preventDefault();
        if (!selected)
            return;
        const props = {};
        for (const input of document.querySelectorAll("#limits input")) {
            const v = input.value.trim();
            /* Strings are parsed by cgsupd like the config file ("512M", "150%", "max"). */
            if (v)
                props[input.name] = { t: "s", v };
        }
        if (Object.keys(props).length === 0) {
            showMessage(selected + ": no limit given", "error");
            return;
        }
        runAction(selected, "limits", "SetProperties", [selected, props], "sa{sv}");
    }

    function init() {
        client = cockpit.dbus(BUS_NAME, { bus: "system", superuser: "try" });
        for (const member of ["ProgramStateChanged", "ProgramAdded", "ProgramRemoved", "JobRemoved"])
            client.subscribe({ path: MANAGER_PATH, interface: MANAGER, member }, () => scheduleRefresh(0));
        document.getElementById("limits").addEventListener("submit", applyLimits);
        document.getElementById("stream").addEventListener("change", () => {
            resetOutput();
            readOutput();
        });
        refresh();
    }

    document.addEventListener("DOMContentLoaded", init);
}());
