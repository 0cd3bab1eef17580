#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Drives cgsup's Cockpit page in headless Chromium (Debian's python3-selenium + chromium-driver), for
test-cockpit.sh. Prints "PASS text" / "FAIL text" lines (the shell test turns them into TAP) and "# ..."
diagnostics.

  cockpit-page.py probe                 exit 0 if Chromium starts here, else print why and exit 77
  cockpit-page.py admin URL SHOT        as a session whose calls are allowed: the page lists the programs,
                                        Stop works and changes the state on the bus, a change made with
                                        cgsupctl appears without a reload, output is shown; SHOT = screenshot
  cockpit-page.py denied URL            as a session polkit denies: Stop shows the denial, nothing changes

Environment: CGSUPCTL (the cgsupctl to drive and check the daemon with), DBUS_SYSTEM_BUS_ADDRESS.
Waits are bounded (generous for a loaded 2-core machine) and poll the page; nothing sleeps blindly.
"""

import json
import os
import subprocess
import sys
import time

try:
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException, TimeoutException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError as e:
    print(f"python3-selenium is not installed ({e})")
    sys.exit(77)

WAIT = 60  # seconds, for anything the page or the daemon has to do
failed = 0


def result(ok, text, detail=""):
    global failed
    print(("PASS " if ok else "FAIL ") + text, flush=True)
    if not ok:
        failed += 1
        for line in str(detail).splitlines()[:20]:
            print("# " + line)


def browser():
    o = Options()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1400,1000"):
        o.add_argument(a)
    o.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def cgsupctl(*args):
    return subprocess.run([os.environ["CGSUPCTL"], *args], capture_output=True, text=True, timeout=120)


def bus_state(name):
    """The program's state as cgsupd tells cgsupctl (`cgsupctl --json status NAME`)."""
    r = cgsupctl("--json", "status", name)
    try:
        return json.loads(r.stdout)["programs"][0]["state"]
    except (ValueError, KeyError, IndexError):
        return f"unknown ({r.stdout.strip()} {r.stderr.strip()})"


def bus_field(name, field):
    """A field of the program's `cgsupctl --json status NAME` record, None when absent."""
    r = cgsupctl("--json", "status", name)
    try:
        return json.loads(r.stdout)["programs"][0].get(field)
    except (ValueError, KeyError, IndexError):
        return None


def open_page(d, url):
    """Loads the Cockpit shell at URL and switches into the page's iframe (named cockpit1:...NAME)."""
    d.get(url)

    def frame(d):
        for f in d.find_elements(By.TAG_NAME, "iframe"):
            if "cgsup" in (f.get_attribute("name") or ""):
                return f
        return False

    d.switch_to.frame(WebDriverWait(d, WAIT).until(frame))


def text_of(d, selector):
    """The text of the first element matching selector, read in one step inside the page (the page
    replaces cells as it refreshes, so a WebElement found a moment ago may be gone)."""
    return d.execute_script("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                            selector)


def row_state(d, name):
    return text_of(d, f'#programs tbody tr[data-program="{name}"] td.state span')


def wait_for(d, what, cond):
    try:
        WebDriverWait(d, WAIT).until(lambda d: cond(d))
        return True, ""
    except TimeoutException:
        return False, f"timed out after {WAIT}s waiting for {what}"


def message(d):
    return text_of(d, "#message") or ""


def admin(url, shot):
    d = browser()
    try:
        open_page(d, url)
        ok, why = wait_for(d, "the programs table", lambda d: row_state(d, "web") == "RUNNING" and
                           row_state(d, "idle") == "STOPPED" and row_state(d, "worker:worker_1") == "RUNNING")
        result(ok, "page lists web RUNNING, idle STOPPED, worker:worker_1 RUNNING (group:name as in status)",
               why + "\n" + (text_of(d, "#programs tbody") or ""))

        d.find_element(By.CSS_SELECTOR, 'tr[data-program="web"]').click()
        ok, why = wait_for(d, "web's output", lambda d: "web says hello" in (text_of(d, "#output") or ""))
        result(ok, "selecting web shows its output (GetProgramOutput by cursor)",
               why + "\n" + (text_of(d, "#output") or "")[-500:])
        ok, why = wait_for(d, "the next output line", lambda d: "tick 3" in (text_of(d, "#output") or ""))
        text = (text_of(d, "#output") or "")
        result(ok and text.count("web says hello") == 1,
               "output follows the cursor: later lines appear, nothing twice", why + "\n" + text[-500:])

        d.find_element(By.CSS_SELECTOR, 'tr[data-program="web"] .act-stop').click()
        ok, why = wait_for(d, "the stop outcome", lambda d: message(d) == "web: stopped")
        result(ok, "Stop shows the job's outcome 'web: stopped'", why + "\n" + message(d))
        state = bus_state("web")
        result(state == "STOPPED", "the stop from the page reached the bus (State STOPPED)", f"State={state}")
        ok, why = wait_for(d, "web STOPPED in the table", lambda d: row_state(d, "web") == "STOPPED")
        result(ok, "the table shows web STOPPED", why)

        # A change from outside the page: the daemon's signal refreshes it, no reload.
        marker = d.execute_script("window.cgsupNoReload = 1; return window.cgsupNoReload;")
        r = cgsupctl("start", "idle")
        result(r.returncode == 0, "cgsupctl start idle", r.stdout + r.stderr)
        ok, why = wait_for(d, "idle RUNNING in the table", lambda d: row_state(d, "idle") == "RUNNING")
        still = d.execute_script("return window.cgsupNoReload;") == marker
        result(ok and still, "a start made with cgsupctl appears in the page without a reload", why)

        # Signal: KILL from the row's menu ends idle's main process (cgsupd then restarts it: unexpected).
        restarts = bus_field("idle", "restarts")
        Select(d.find_element(By.CSS_SELECTOR, 'tr[data-program="idle"] select.signal')).select_by_value("KILL")
        d.find_element(By.CSS_SELECTOR, 'tr[data-program="idle"] .act-kill').click()
        ok, why = wait_for(d, "the signal outcome", lambda d: message(d) == "idle: signalled")
        result(ok, "Signal KILL shows 'idle: signalled'", why + "\n" + message(d))
        ok, why = wait_for(d, "idle's restart after the SIGKILL",
                           lambda d: bus_field("idle", "restarts") == restarts + 1)
        result(ok, "the signal from the page reached the program (it died and was restarted)",
               why + f"\nrestarts before {restarts}, now {bus_field('idle', 'restarts')}")

        d.find_element(By.CSS_SELECTOR, 'tr[data-program="worker:worker_1"] .act-restart').click()
        ok, why = wait_for(d, "the restart outcome", lambda d: message(d) == "worker:worker_1: restarted")
        result(ok, "Restart of a group member shows 'worker:worker_1: restarted'", why + "\n" + message(d))

        # The graph of the selected (running) program: a sample every refresh, the CPU line in orange (#ec7a08)
        # once there are two (this host has no memory controller, so no memory line); the caption is gray.
        d.find_element(By.CSS_SELECTOR, 'tr[data-program="worker:worker_0"]').click()
        ok, why = wait_for(d, "the CPU line on the graph", lambda d: d.execute_script(
            "const c = document.getElementById('graph'); if (!c) return 0;"
            "const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
            "for (let i = 0; i < px.length; i += 4)"
            "  if (px[i + 3] > 128 && Math.abs(px[i] - 236) < 40 && Math.abs(px[i + 1] - 122) < 40 && px[i + 2] < 80) n++;"
            "return n;") > 0)
        result(ok, "the selected program's CPU history is drawn on the graph", why)

        d.find_element(By.CSS_SELECTOR, 'tr[data-program="web"]').click()
        d.find_element(By.CSS_SELECTOR, '#limits input[name="memory_max"]').send_keys("not-a-size")
        d.find_element(By.ID, "limits-apply").click()
        ok, why = wait_for(d, "the refusal of a bad limit", lambda d: "limits failed" in message(d))
        result(ok and "error" in d.find_element(By.ID, "message").get_attribute("class"),
               "a bad limit value is refused with cgsupd's message", why + "\n" + message(d))

        d.switch_to.default_content()
        d.save_screenshot(shot)
        print(f"# screenshot: {shot}")
    finally:
        d.quit()


def denied(url):
    d = browser()
    try:
        open_page(d, url)
        ok, why = wait_for(d, "the programs table", lambda d: row_state(d, "web") == "RUNNING")
        result(ok, "an unprivileged session sees the programs (reading is open to all)", why)
        d.find_element(By.CSS_SELECTOR, 'tr[data-program="web"] .act-stop').click()
        ok, why = wait_for(d, "the denial", lambda d: "stop failed" in message(d))
        text = message(d)
        result(ok and "Not authorized" in text, "Stop as an unprivileged user shows the polkit denial",
               why + "\n" + text)
        print("# message: " + text.replace("\n", " "))
        state = bus_state("web")
        result(state == "RUNNING", "the denied stop changed nothing (web RUNNING on the bus)", f"State={state}")
        d.find_element(By.CSS_SELECTOR, 'tr[data-program="web"]').click()
        ok, why = wait_for(d, "the output denial",
                           lambda d: "Output not shown: Not authorized" in (text_of(d, "#output") or ""))
        result(ok, "output is secret: the unprivileged session is told it is not authorized",
               why + "\n" + (text_of(d, "#output") or ""))
    finally:
        d.quit()


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "probe":
        for path in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
            if not os.access(path, os.X_OK):
                print(f"{path} is not installed (ENOENT)")
                return 77
        try:
            browser().quit()
        except WebDriverException as e:
            print("Chromium does not start here: " + str(e.msg).splitlines()[0])
            return 77
        return 0
    try:
        if mode == "admin":
            admin(sys.argv[2], sys.argv[3])
        elif mode == "denied":
            denied(sys.argv[2])
        else:
            print(__doc__)
            return 2
    except Exception as e:  # a broken page or browser: one failure with the reason, not a traceback only
        result(False, f"{mode}: the browser session ended early", repr(e))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
