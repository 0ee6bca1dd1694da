#!/usr/bin/env python3
"""Runs reship and its peers side by side and prints one table.

Started by scripts/bench (which installs the peers and builds the binaries);
see docs/performance.md for the method. Every process it starts carries
BENCH_TAG in its environment and runs in a private temp dir on loopback; on
exit, error or Ctrl-C every one of them is stopped (gracefully, then SIGKILL)
and the temp dir removed.

The orchestration lives here; the timing is done by small compiled helpers
(tests/bench/*.c*), so that no Python start-up or GIL sits inside a number.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

# ---------------------------------------------------------------------------
# plumbing


class Interrupted(BaseException):
    pass


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Ctx:
    """Paths, settings, and every process started (for the cleanup)."""

    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.bin = Path(args.bin_dir).resolve()
        self.helpers = self.bin / "tests" / "bench"
        self.supervisor = self.bin / "supervisor" / "reship-supervisor"
        self.back = self.bin / "back" / "reship-back"
        self.cli = self.bin / "cli" / "reship"
        self.pm2 = args.pm2
        # Short: Unix socket paths must stay under 108 bytes.
        self.tmp = Path(tempfile.mkdtemp(prefix="rb-", dir="/tmp"))
        self.procs = []  # Popen objects we started
        self.stoppers = []  # graceful stops, newest last
        self.tag = "reship-bench-" + uuid.uuid4().hex[:12]
        os.environ["BENCH_TAG"] = self.tag
        self.skipped = {}  # tool -> why
        self.notes = []

    def helper(self, name):
        return str(self.helpers / name)

    def start(self, argv, name, cwd=None, env=None, stdout_path=None):
        out = open(stdout_path or (self.tmp / f"{name}.log"), "ab")
        p = subprocess.Popen([str(a) for a in argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        self.procs.append(p)
        return p

    def cleanup(self):
        for stop in reversed(self.stoppers):
            try:
                stop()
            except Exception as e:  # keep going: the sweep below catches what is left
                log(f"cleanup: {e}")
        self.stoppers.clear()
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except OSError:
                    pass
        deadline = time.monotonic() + 3
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
        sweep(self.tag)
        for p in self.procs:
            try:
                p.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            log(f"kept {self.tmp}")


def tagged_pids(tag):
    me = os.getpid()
    needle = f"BENCH_TAG={tag}".encode()
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        try:
            with open(f"/proc/{d}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(d))
        except OSError:
            pass
    return found


def sweep(tag):
    """SIGKILLs every process left that carries our tag (daemonized ones too)."""
    for _ in range(5):
        pids = tagged_pids(tag)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.2)
    left = tagged_pids(tag)
    if left:
        log(f"cleanup: processes {left} would not die")


def run(argv, timeout=120, env=None, check=True, cwd=None):
    r = subprocess.run([str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, env=env, cwd=cwd, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} exited {r.returncode}: {r.stderr.strip()[-800:]}")
    return r


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------
# /proc: processes, memory, CPU


def proc_parents():
    table = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
            table[int(d)] = int(s[s.rfind(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            pass
    return table


def exe_of(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


def own_processes(roots, child_exe):
    """The roots and their descendants, without the supervised children
    (processes running child_exe) and what runs under them."""
    parents = proc_parents()
    children = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    out = []
    todo = [r for r in roots if r in parents]
    while todo:
        pid = todo.pop()
        if exe_of(pid) == child_exe:
            continue
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def smaps_rollup(pids):
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss  # KiB


def cpu_ns(pids):
    total = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/schedstat") as f:
                total[pid] = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid):
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# ---------------------------------------------------------------------------
# results


class Row:
    """One line of the table: a metric, its samples per tool."""

    def __init__(self, workload, metric, unit, lower_better=True, target=None, ratio_ref=None, note=None):
        self.workload = workload
        self.metric = metric
        self.unit = unit
        self.lower_better = lower_better
        self.target = target  # (text, fn(reship_median, row) -> bool|None)
        self.ratio_ref = ratio_ref  # None: the best peer; a tool name: that tool
        self.samples = {}  # tool -> [values]
        self.order = []
        self.notes = {}  # tool -> text
        self.note = note
        self.ratio_of = None  # the tool the ratio is about (default reship)
        self.no_ratio = False
        self.counts = {}  # tool -> n shown, when the samples are a derived figure (p95)

    def add(self, tool, values):
        if tool not in self.samples:
            self.samples[tool] = []
            self.order.append(tool)
        if isinstance(values, (int, float)):
            values = [values]
        self.samples[tool].extend(values)

    def median(self, tool):
        v = self.samples.get(tool)
        return statistics.median(v) if v else None


class Results:
    def __init__(self):
        self.rows = []
        self.by_key = {}

    def row(self, key, *args, **kw):
        if key not in self.by_key:
            r = Row(*args, **kw)
            self.by_key[key] = r
            self.rows.append(r)
        return self.by_key[key]


def fmt(v, unit):
    if v is None:
        return "—"
    if unit in ("ms", "µs"):
        if v >= 100:
            return f"{v:,.0f} {unit}"
        if v >= 10:
            return f"{v:.1f} {unit}"
        if v >= 1:
            return f"{v:.2f} {unit}"
        return f"{v:.3f} {unit}"
    if unit == "MiB":
        return f"{v:.2f} MiB"
    if unit == "KiB":
        return f"{v:,.0f} KiB"
    if unit == "req/s":
        return f"{v:,.0f} req/s"
    if unit == "s":
        return f"{v:.3f} s"
    if unit == "":
        return f"{v:g}"
    return f"{v:.3g} {unit}"


def percentile(values, p):
    s = sorted(values)
    if not s:
        return None
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def table_lines(results):
    header = ["workload", "metric", "tool", "median", "min–max", "n", "reship / best peer", "target (reship)"]
    lines = [header]

    def order(r):
        m = re.match(r"(\d+)", r.workload)
        return int(m.group(1)) if m else 0  # physical limits first

    for r in sorted(results.rows, key=order):
        tools = r.order
        if not tools:
            continue
        subject = r.ratio_of or "reship"
        peers = [t for t in tools if t != subject and not t.startswith("reship")]
        ref_tool = r.ratio_ref
        if r.no_ratio:
            peers = []
        if not ref_tool and peers:
            meds = [(r.median(t), t) for t in peers if r.median(t) is not None]
            if meds:
                ref_tool = (min(meds) if r.lower_better else max(meds))[1]
        ratio = "—"
        m_subject = r.median(subject)
        if ref_tool and m_subject is not None and r.median(ref_tool):
            ratio = f"{m_subject / r.median(ref_tool):.2f}× ({ref_tool})"
        target_text = ""
        if r.target and m_subject is not None:
            text, fn = r.target
            ok = fn(m_subject, r)
            target_text = text if ok is None else f"{text}: " + ("met" if ok else "missed")
        for i, t in enumerate(tools):
            v = r.samples[t]
            med = statistics.median(v) if v else None
            spread = f"{fmt(min(v), r.unit)} – {fmt(max(v), r.unit)}" if len(v) > 1 else ""
            name = t + (f" ({r.notes[t]})" if t in r.notes else "")
            n = str(r.counts.get(t, len(v)))
            lines.append([r.workload if i == 0 else "", r.metric if i == 0 else "", name, fmt(med, r.unit), spread,
                          n, ratio if i == 0 else "", target_text if i == 0 else ""])
    return lines


def render_text(lines):
    widths = [max(len(l[i]) for l in lines) for i in range(len(lines[0]))]
    out = []
    for j, l in enumerate(lines):
        out.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(l)).rstrip())
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def render_markdown(lines):
    def esc(c):
        return c.replace("|", "\\|")
    out = ["| " + " | ".join(lines[0]) + " |", "|" + "|".join("---" for _ in lines[0]) + "|"]
    for l in lines[1:]:
        out.append("| " + " | ".join(esc(c) for c in l) + " |")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# the supervisors under test: reship and its peers, with N bench-stamp children


class Supervised:
    """A supervisor running n children (all bench-stamp: sleeping, or
    crash-looping), in its own folder under the temp dir."""

    name = "?"

    def __init__(self, ctx, n, crash=False, label=""):
        self.ctx = ctx
        self.n = n
        self.crash = crash
        self.dir = ctx.tmp / f"{self.name}-{n}{'c' if crash else ''}{label}"
        self.dir.mkdir(parents=True)
        (self.dir / "stamps").mkdir()
        self.proc = None
        self.names = [f"c{i:03d}" for i in range(n)]
        self.stamp_exe = ctx.helper("bench-stamp")

    def stamp(self, i):
        return self.dir / "stamps" / self.names[i]

    def child_argv(self, i):
        return [self.stamp_exe] + (["--crash"] if self.crash else []) + [str(self.stamp(i))]

    def started(self):
        return all(self.stamp(i).exists() and self.stamp(i).stat().st_size > 0 for i in range(self.n))

    def wait_started(self, timeout=120):
        wait_for(self.started, timeout, f"{self.name}: {self.n} children to start")

    def stamp_lines(self):
        counts = []
        for i in range(self.n):
            try:
                with open(self.stamp(i), "rb") as f:
                    counts.append(f.read().count(b"\n"))
            except OSError:
                counts.append(0)
        return counts

    def last_stamps(self):
        out = []
        for i in range(self.n):
            try:
                with open(self.stamp(i)) as f:
                    lines = f.read().split("\n")
                pid, ns = lines[-2].split()
                out.append((int(pid), int(ns)))
            except (OSError, ValueError, IndexError):
                out.append((0, 0))
        return out

    def own_pids(self):
        return own_processes(self.roots(), os.path.realpath(self.stamp_exe))

    def roots(self):
        return [self.proc.pid] if self.proc and self.proc.poll() is None else []

    # overridden
    def start(self):
        raise NotImplementedError

    def restart_all(self):
        raise NotImplementedError

    def status_cli(self):
        raise NotImplementedError

    def status_raw(self):
        return None

    def env(self):
        return None

    def stop(self):
        """Stops the supervisor as its docs say, then SIGKILLs whatever of
        this folder is left (so that nothing lingers into the next workload)."""
        try:
            self.graceful_stop()
        finally:
            leftovers = self.leftovers()
            for pid in leftovers:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            if leftovers:
                log(f"{self.name}: killed {len(leftovers)} processes left after its stop")

    def leftovers(self):
        mine = str(self.dir)
        out = []
        for pid in tagged_pids(self.ctx.tag):
            try:
                cmd = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
            except OSError:
                continue
            if mine in cmd or cwd_under(pid, self.dir):
                out.append(pid)
        return out

    def graceful_stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


class Reship(Supervised):
    name = "reship"

    def start(self):
        conf = self.dir / "reship.toml"
        lines = ['[supervisor]', 'socket = "run/supervisor.sock"', ""]
        for i, svc in enumerate(self.names):
            lines += [f"[services.{svc}]", "command = " + json.dumps(self.child_argv(i)), ""]
        lines += ["[scopes]", "kids = " + json.dumps(self.names), ""]
        conf.write_text("\n".join(lines))
        self.conf = conf
        self.proc = self.ctx.start([self.ctx.supervisor, "--config", conf], f"{self.dir.name}", cwd=self.dir,
                                   stdout_path=self.dir / "supervisor.log")
        self.ctx.stoppers.append(self.stop)

    def restart_all(self):
        return [self.ctx.cli, "--config", self.conf, "restart", "kids"]

    def status_cli(self):
        return [self.ctx.cli, "--config", self.conf, "ps"]

    def status_raw(self):
        return [self.ctx.helper("bench-uds"), "request", "--path", self.dir / "run" / "supervisor.sock", "--line",
                "--send", '{"id":"1","op":"status"}\\n', "--expect", '"type":"status"']


class Supervisord(Supervised):
    name = "supervisord"

    def start(self):
        d = self.dir
        (d / "logs").mkdir()
        conf = [
            "[unix_http_server]", f"file={d}/supervisor.sock", "chmod=0700", "",
            "[supervisord]", f"logfile={d}/supervisord.log", f"pidfile={d}/supervisord.pid",
            f"childlogdir={d}/logs", "nodaemon=true", "minfds=4096", "",
            "[rpcinterface:supervisor]", "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
            "",
            "[supervisorctl]", f"serverurl=unix://{d}/supervisor.sock", "",
        ]
        for i, svc in enumerate(self.names):
            conf += [f"[program:{svc}]", "command=" + " ".join(self.child_argv(i)), ""]
        self.conf = d / "supervisord.conf"
        self.conf.write_text("\n".join(conf))
        self.proc = self.ctx.start(["supervisord", "-c", self.conf], self.dir.name, cwd=d,
                                   stdout_path=d / "supervisord.out")
        self.ctx.stoppers.append(self.stop)

    def restart_all(self):
        return ["supervisorctl", "-c", self.conf, "restart", "all"]

    def status_cli(self):
        return ["supervisorctl", "-c", self.conf, "status"]

    def status_raw(self):
        body = ("<?xml version='1.0'?><methodCall><methodName>supervisor.getAllProcessInfo</methodName>"
                "<params></params></methodCall>")
        req = (f"POST /RPC2 HTTP/1.1\\r\\nHost: localhost\\r\\nContent-Type: text/xml\\r\\n"
               f"Content-Length: {len(body)}\\r\\n\\r\\n{body}")
        return [self.ctx.helper("bench-uds"), "request", "--path", self.dir / "supervisor.sock", "--http",
                "--send", req, "--expect", "statename"]


class Runit(Supervised):
    name = "runit"

    def stamp(self, i):
        return self.dir / "service" / self.names[i] / "stamp"

    def start(self):
        for svc in self.names:
            sd = self.dir / "service" / svc
            sd.mkdir(parents=True)
            # ./run is bench-stamp itself (no shell in between); it stamps ./stamp.
            os.symlink(self.stamp_exe, sd / "run")
            if self.crash:
                (sd / "crash").touch()
        self.proc = self.ctx.start(["runsvdir", "-P", self.dir / "service"], self.dir.name, cwd=self.dir)
        self.ctx.stoppers.append(self.stop)

    def dirs(self):
        return [str(self.dir / "service" / s) for s in self.names]

    def restart_all(self):
        return ["sv", "restart"] + self.dirs()

    def status_cli(self):
        return ["sv", "status"] + self.dirs()

    def status_raw(self):
        return [self.ctx.helper("bench-uds"), "files"] + [f"{d}/supervise/status" for d in self.dirs()]

    def graceful_stop(self):
        # runsvdir on HUP sends TERM to every runsv, which stops its service and exits.
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGHUP)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        wait_quiet(self.leftovers, 10)


class S6(Supervised):
    name = "s6"

    def stamp(self, i):
        # s6-supervise runs ./run with the service's name as its argument.
        return self.dir / "scan" / self.names[i] / self.names[i]

    def start(self):
        for svc in self.names:
            sd = self.dir / "scan" / svc
            sd.mkdir(parents=True)
            os.symlink(self.stamp_exe, sd / "run")
            # Readiness notification, as s6's docs recommend: without it
            # s6-supervise waits 1 s after every death before starting anew.
            (sd / "notification-fd").write_text("3\n")
            if self.crash:
                (sd / "crash").touch()
        self.proc = self.ctx.start(["s6-svscan", self.dir / "scan"], self.dir.name, cwd=self.dir)
        self.ctx.stoppers.append(self.stop)

    def dirs(self):
        return [str(self.dir / "scan" / s) for s in self.names]

    def restart_all(self):
        # s6-svc takes one servicedir: one `s6-svc -wu -r` per service, all at
        # once, each returning when its service is up again (it listens for
        # the events: no polling). -wu ("up": spawned) is what reship's
        # ready = "none" means too. -wR (up and ready) and -wr hung to their
        # timeout in about one try of three here (s6 2.11.3), and so did one
        # s6-svlisten -a -R over all the dirs: not usable for a benchmark.
        script = ('pids=; for d; do s6-svc -wu -T 20000 -r "$d" & pids="$pids $!"; done; '
                  'rc=0; for p in $pids; do wait "$p" || rc=1; done; exit $rc')
        return ["sh", "-c", script, "sh"] + self.dirs()

    def status_cli(self):
        cmd = []
        for d in self.dirs():
            cmd += (([";;"] if cmd else []) + ["s6-svstat", d])
        return cmd

    def status_raw(self):
        return [self.ctx.helper("bench-uds"), "files"] + [f"{d}/supervise/status" for d in self.dirs()]

    def graceful_stop(self):
        if self.proc and self.proc.poll() is None:
            run(["s6-svscanctl", "-t", self.dir / "scan"], check=False, timeout=10)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        wait_quiet(self.leftovers, 10)


class Pm2(Supervised):
    name = "pm2"

    def env(self):
        e = dict(os.environ)
        e["PM2_HOME"] = str(self.dir / "pm2home")
        e["PM2_DISABLE_VERSION_CHECK"] = "true"
        return e

    def start(self):
        apps = []
        for i, svc in enumerate(self.names):
            argv = self.child_argv(i)
            apps.append({"name": svc, "script": argv[0], "args": argv[1:], "interpreter": "none",
                         "exec_mode": "fork", "autorestart": True})
        eco = self.dir / "ecosystem.json"
        eco.write_text(json.dumps({"apps": apps}, indent=1))
        self.ctx.stoppers.append(self.stop)
        run([self.ctx.pm2, "start", eco], env=self.env(), timeout=300)

    def roots(self):
        try:
            return [int((self.dir / "pm2home" / "pm2.pid").read_text().strip())]
        except (OSError, ValueError):
            return []

    def restart_all(self):
        return [self.ctx.pm2, "restart", "all"]

    def status_cli(self):
        return [self.ctx.pm2, "ls"]

    def graceful_stop(self):
        if (self.dir / "pm2home").exists():
            run([self.ctx.pm2, "kill"], env=self.env(), check=False, timeout=60)
        wait_quiet(self.leftovers, 10)


def cwd_under(pid, folder):
    try:
        return os.readlink(f"/proc/{pid}/cwd").startswith(str(folder))
    except OSError:
        return False


def wait_quiet(fn, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and fn():
        time.sleep(0.1)


TOOLS = {"reship": Reship, "supervisord": Supervisord, "runit": Runit, "s6": S6, "pm2": Pm2}


def available_tools(ctx):
    tools = []
    need = {"supervisord": ["supervisord", "supervisorctl"], "runit": ["runsvdir", "sv"],
            "s6": ["s6-svscan", "s6-svc", "s6-svlisten", "s6-svstat", "s6-svscanctl"]}
    for name in TOOLS:
        if ctx.args.tools and name not in ctx.args.tools:
            continue
        if name == "pm2":
            if not ctx.pm2 or not os.access(ctx.pm2, os.X_OK):
                ctx.skipped["pm2"] = "pm2 could not be installed from npm"
                continue
        for exe in need.get(name, []):
            if not shutil.which(exe):
                ctx.skipped[name] = f"{exe} not found (its Debian package could not be installed)"
                break
        else:
            tools.append(name)
    return tools


def rotate(items, k):
    k %= max(1, len(items))
    return items[k:] + items[:k]


# ---------------------------------------------------------------------------
# timing primitives


def time_cmd(ctx, argv, env=None, timeout=120):
    """Wall time of one run of argv (ms), measured by bench-run."""
    out = run([ctx.helper("bench-run"), "-n", "1", "--"] + [str(a) for a in argv], env=env, timeout=timeout)
    return float(out.stdout.split()[0]) / 1000.0


def samples_of(out, column=0):
    return [float(l.split()[column]) for l in out.strip().splitlines() if l.strip()]


# ---------------------------------------------------------------------------
# the workloads


def physical_limits(ctx, res):
    n = 200 if ctx.quick else 1000
    row = res.row("phys-spawn", "physical limit", "posix_spawn + wait of `true`", "ms")
    row.add("kernel", [v / 1000 for v in samples_of(run([ctx.helper("bench-run"), "-n", n, "--", "true"]).stdout)])
    row = res.row("phys-uds", "physical limit", "Unix socket round trip (64 B)", "µs")
    row.add("kernel", samples_of(run([ctx.helper("bench-uds"), "pingpong", "-n", n * 10]).stdout))


def start_all(ctx, tools, n, crash=False):
    sups = {}
    for t in tools:
        try:
            s = TOOLS[t](ctx, n, crash)
            s.start()
            sups[t] = s
        except Exception as e:
            log(f"{t}: cannot start with {n} children: {e}")
            ctx.skipped.setdefault(t, f"did not start ({e})")
    for t, s in list(sups.items()):
        try:
            s.wait_started(timeout=180)
        except Exception as e:
            log(f"{t}: {e}")
            ctx.notes.append(f"{t} did not start its {n} children: {e}")
            s.stop()
            del sups[t]
    return sups


def check_restarted(sup, before, t_end_ns, row, tool):
    """After a restart-all command: did every child start anew, and had it
    started before the command returned?"""
    deadline = time.monotonic() + 5
    while True:
        after_lines = sup.stamp_lines()
        missing = sum(1 for b, a in zip(before, after_lines) if a <= b)
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    late = sum(1 for (pid, ns) in sup.last_stamps() if ns > t_end_ns)
    if missing:
        row.notes[tool] = f"{missing} children not restarted"
    elif late:
        counts = getattr(row, "late", {})
        counts[tool] = counts.get(tool, 0) + late
        row.late = counts
        n = counts[tool]
        row.notes[tool] = f"returned before {n} child{'ren' if n > 1 else ''} had started, over all runs"


def w_restart(ctx, res, sups, rounds, key, label, target=None):
    row = res.row(key, label, "restart all children, one CLI command (returns when all run)", "ms", target=target)
    tools = list(sups)
    for r in range(rounds):
        for t in rotate(tools, r):
            s = sups[t]
            wait_children_aged(s)
            before = s.stamp_lines()
            try:
                ms = time_cmd(ctx, s.restart_all(), env=s.env(), timeout=300)
            except Exception as e:
                log(f"{t}: restart failed: {e}")
                row.notes[t] = "failed"
                continue
            check_restarted(s, before, time.monotonic_ns(), row, t)
            row.add(t, ms)


def wait_children_aged(sup, seconds=1.1):
    """Waits until every child has run `seconds`: most supervisors delay the
    restart of a child that died younger than 1 s."""
    wait_for(lambda: all(time.monotonic_ns() - ns > seconds * 1e9 for _, ns in sup.last_stamps()), 30,
             f"{sup.name}'s children to age")


def w_respawn(ctx, res, sups, rounds):
    row = res.row("w2", "2 crash → respawn", "SIGKILL a child → the new child's first instruction", "ms",
                  target=("≤ 2 ms", lambda m, r: m <= 2.0))
    tools = list(sups)
    for r in range(rounds):
        for t in rotate(tools, r):
            s = sups[t]
            i = r % s.n
            try:
                out = run([ctx.helper("bench-respawn"), "--stamp", s.stamp(i), "--min-age-ms", 1100,
                           "--timeout-ms", 10000], timeout=30)
                row.add(t, float(out.stdout.split()[0]) / 1000)
            except Exception as e:
                log(f"{t}: respawn failed: {e}")
                row.notes[t] = "did not respawn within 10 s"


def w_status(ctx, res, sups, rounds):
    cli = res.row("w3cli", "3 control round trip", "status of 10 children via the CLI", "ms",
                  target=("`reship ps` ≤ 2 ms", lambda m, r: m <= 2.0))
    raw = res.row("w3raw", "3 control round trip", "status over the socket, no CLI (connect, ask, answer)", "ms")
    tools = list(sups)
    for r in range(rounds):
        for t in rotate(tools, r):
            s = sups[t]
            try:
                cli.add(t, time_cmd(ctx, s.status_cli(), env=s.env()))
            except Exception as e:
                log(f"{t}: status failed: {e}")
                cli.notes[t] = "failed"
            rawcmd = s.status_raw()
            if rawcmd:
                out = run(rawcmd + ["-n", "5"])
                raw.add(t, [v / 1000 for v in samples_of(out.stdout)])
    if "s6" in cli.samples:
        cli.notes["s6"] = "s6-svstat once per service"
    for t in tools:
        if t in ("runit", "s6"):
            raw.notes[t] = "reads supervise/status files"
        if t == "supervisord":
            raw.notes[t] = "XML-RPC getAllProcessInfo"
        if t == "pm2":
            raw.add(t, [])
            raw.notes[t] = "no documented wire protocol: not timed"


def w_memory(ctx, res, sups, n, samples_per_tool=1):
    rss = res.row(f"w4rss{n}", "4 memory", f"supervisor's own processes, RSS, {n} children", "MiB",
                  target=("≤ 4 MiB", lambda m, r: m <= 4.0) if n == 10 else None)
    pss = res.row(f"w4pss{n}", "4 memory", f"supervisor's own processes, PSS, {n} children", "MiB",
                  target=("≤ 2 MiB", lambda m, r: m <= 2.0) if n == 10 else None)
    procs = res.row(f"w4procs{n}", "4 memory", f"supervisor's own processes, count, {n} children", "")
    procs.no_ratio = True
    for t, s in sups.items():
        pids = s.own_pids()
        r_kib, p_kib = smaps_rollup(pids)
        rss.add(t, r_kib / 1024)
        pss.add(t, p_kib / 1024)
        if len(procs.samples.get(t, [])) == 0:
            procs.add(t, len(pids))


def per_child_memory(res):
    a = res.by_key.get("w4rss10")
    b = res.by_key.get("w4rss200")
    if not a or not b:
        return
    row = res.row("w4per", "4 memory", "RSS per extra child (10 → 200)", "KiB",
                  target=("≤ 16 KiB", lambda m, r: m <= 16))
    for t in b.order:
        if a.median(t) is not None and b.median(t) is not None:
            row.add(t, (b.median(t) - a.median(t)) * 1024 / 190)


def w_crashloop(ctx, res, tools, window, m=50):
    cpu = res.row("w5cpu", "5 scale", f"supervisor CPU while {m} children crash-loop for {window:g} s", "s")
    cpu.no_ratio = True  # the policies differ (pm2 and supervisord give up): compare per start
    starts = res.row("w5starts", "5 scale", f"child starts in those {window:g} s (restart policy)", "")
    starts.no_ratio = True
    per = res.row("w5per", "5 scale", "supervisor CPU per child start", "ms")
    for t in tools:
        s = None
        try:
            s = TOOLS[t](ctx, m, crash=True)
            s.start()
            # Started and crashing: measure from the moment all have died once.
            s.wait_started(timeout=60)
            time.sleep(0.5)
            pids = s.own_pids()
            c0 = cpu_ns(pids)
            n0 = sum(s.stamp_lines())
            time.sleep(window)
            pids1 = s.own_pids()
            c1 = cpu_ns(pids1)
            n1 = sum(s.stamp_lines())
            used = sum(c1[p] - c0.get(p, 0) for p in c1)
            cpu.add(t, used / 1e9)
            starts.add(t, n1 - n0)
            if n1 > n0:
                per.add(t, used / 1e6 / (n1 - n0))
        except Exception as e:
            log(f"{t}: crash loop failed: {e}")
            cpu.notes[t] = "failed"
        finally:
            if s:
                s.stop()
                if s.stop in ctx.stoppers:
                    ctx.stoppers.remove(s.stop)


# ---------------------------------------------------------------------------
# reship-back and webhook


class Back:
    def __init__(self, ctx, lines):
        self.ctx = ctx
        self.dir = ctx.tmp / "back"
        self.dir.mkdir()
        self.port = free_port()
        self.lines = lines
        conf = [
            # Scopes may not be empty: one service that is never started (mode
            # "build" restarts nothing, and no supervisor runs).
            "[supervisor]", 'socket = "run/supervisor.sock"', "",
            "[services.idle]", "command = " + json.dumps([ctx.helper("bench-stamp"), "-"]), "autostart = false", "",
            "[scopes]", 'noop = ["idle"]', 'lines = ["idle"]', "",
            "[back]", f'listen = ["127.0.0.1:{self.port}"]', 'state_dir = "state"', 'workdir = "."', "",
            "[builds]", 'noop = ["true"]',
            "lines = " + json.dumps([ctx.helper("bench-lines"), str(lines), "80"]), "",
        ]
        self.conf = self.dir / "reship.toml"
        self.conf.write_text("\n".join(conf))
        run([ctx.back, "--check", "--config", self.conf])
        self.proc = ctx.start([ctx.back, "--config", self.conf], "reship-back", cwd=self.dir,
                              stdout_path=self.dir / "back.log")
        ctx.stoppers.append(self.stop)
        wait_for(lambda: port_open(self.port), 30, "reship-back to listen")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Webhook:
    def __init__(self, ctx, lines):
        self.ctx = ctx
        self.dir = ctx.tmp / "webhook"
        self.dir.mkdir()
        self.port = free_port()
        hooks = [
            {"id": "noop", "execute-command": shutil.which("true") or "/bin/true",
             "include-command-output-in-response": True},
            {"id": "lines", "execute-command": ctx.helper("bench-lines"),
             "pass-arguments-to-command": [{"source": "string", "name": str(lines)},
                                           {"source": "string", "name": "80"}],
             "include-command-output-in-response": True},
        ]
        (self.dir / "hooks.json").write_text(json.dumps(hooks, indent=1))
        self.proc = ctx.start(["webhook", "-hooks", self.dir / "hooks.json", "-ip", "127.0.0.1", "-port",
                               self.port], "webhook", cwd=self.dir, stdout_path=self.dir / "webhook.log")
        ctx.stoppers.append(self.stop)
        wait_for(lambda: port_open(self.port), 30, "webhook to listen")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def http(ctx, url, n=1, method="GET", body=None, expect=200, contains=None, timeout=300):
    argv = [ctx.helper("bench-http"), url, "-X", method, "-n", n]
    if body is not None:
        argv += ["-d", body, "-H", "Content-Type: application/json"]
    if expect:
        argv += ["--expect", expect]
    if contains:
        argv += ["--contains", contains]
    out = run(argv, timeout=timeout)
    return [(float(a) / 1000, int(b), int(c)) for a, b, c in (l.split() for l in out.stdout.strip().splitlines())]


def w_deploy_overhead(ctx, res, back, hook, total=50, block=10):
    med = res.row("w6", "6 deploy overhead", "synchronous deploy of `true` (keep-alive), median", "ms",
                  target=("≤ webhook", lambda m, r: m <= (r.median("webhook") or float("inf"))
                          if r.median("webhook") else None))
    p95 = res.row("w6p95", "6 deploy overhead", "the same, p95", "ms",
                  target=("≤ webhook", lambda m, r: m <= (r.median("webhook") or float("inf"))
                          if r.median("webhook") else None))
    got = {"reship": [], "webhook": []}
    for r in range(max(1, total // block)):
        order = ["reship", "webhook"] if r % 2 == 0 else ["webhook", "reship"]
        for t in order:
            if t == "reship":
                got[t] += [s[0] for s in http(ctx, back.url("/api/v1/self/deploy"), n=block, method="POST",
                                               body='{"scope":"noop","mode":"build"}', expect=200)]
            elif hook:
                got[t] += [s[0] for s in http(ctx, hook.url("/hooks/noop"), n=block, method="POST", expect=200)]
    for t, v in got.items():
        if v:
            med.add(t, v)
            p95.add(t, percentile(v, 95))
            p95.counts[t] = len(v)
    return total


def run_lines_deploy(ctx, back, lines):
    argv = [ctx.helper("bench-http"), back.url("/api/v1/self/deploy"), "-X", "POST", "-d",
            '{"scope":"lines","mode":"build"}', "-H", "Content-Type: application/json", "--expect", "200",
            "--contains", '"ok":true']
    out = run(argv, timeout=600)
    ms, status, size = out.stdout.split()
    return float(ms) / 1000


def w_log_capture(ctx, res, back, hook, lines, rounds):
    mb = lines * 80 / 1e6
    t_row = res.row("w7", "7 log capture", f"build printing {lines:,} lines ({mb:.0f} MB): time to the answer",
                    "ms", target=("≤ 1.15× redirect", lambda m, r: m <= 1.15 * r.median("redirect to file")
                                  if r.median("redirect to file") else None), ratio_ref="redirect to file")
    peak = res.row("w7rss", "7 log capture", "peak RSS of the server while capturing (VmHWM)", "MiB",
                   target=("≤ 16 MiB", lambda m, r: m <= 16.0))
    out_file = ctx.tmp / "redirect.out"
    for r in range(rounds):
        order = rotate(["reship", "redirect to file", "webhook"], r)
        for t in order:
            if t == "reship":
                reset_peak(back.proc.pid)
                t_row.add(t, run_lines_deploy(ctx, back, lines))
                peak.add(t, status_kib(back.proc.pid, "VmHWM") / 1024)
            elif t == "redirect to file":
                out = run([ctx.helper("bench-run"), "--stdout", out_file, "-n", "1", "--", ctx.helper("bench-lines"),
                           lines, "80"])
                t_row.add(t, float(out.stdout.split()[0]) / 1000)
                size = out_file.stat().st_size
                if size != lines * 80:
                    raise RuntimeError(f"the redirect wrote {size} bytes, not {lines * 80}")
            elif hook:
                reset_peak(hook.proc.pid)
                s = http(ctx, hook.url("/hooks/lines"), n=1, method="POST", expect=200, timeout=600)[0]
                if s[2] < lines * 80:
                    t_row.notes["webhook"] = f"returned {s[2]} bytes"
                t_row.add(t, s[0])
                peak.add(t, status_kib(hook.proc.pid, "VmHWM") / 1024)
    out_file.unlink(missing_ok=True)
    return rounds


def w_fanout(ctx, res, back, lines, rounds, subs=100):
    t_row = res.row("w8", "8 fan-out", f"time to the answer, {subs} SSE subscribers vs none", "ms",
                    ratio_ref="reship, no subscriber")
    done = res.row("w8last", "8 fan-out", f"time until the last of {subs} subscribers has every line", "ms")
    peak = res.row("w8rss", "8 fan-out", f"reship-back peak RSS with {subs} subscribers", "MiB",
                   target=("≤ 16 MiB", lambda m, r: m <= 16.0))
    ok_row = res.row("w8ok", "8 fan-out", "subscribers that got every line, in order", "")
    with_subs = f"reship, {subs} subscribers"
    t_row.ratio_of = with_subs
    t_row.target = ("≤ 1.3× none", lambda m, r: m <= 1.3 * r.median("reship, no subscriber")
                    if r.median("reship, no subscriber") else None)
    for r in range(rounds):
        for mode in (["none", "subs"] if r % 2 == 0 else ["subs", "none"]):
            if mode == "none":
                t_row.add("reship, no subscriber", run_lines_deploy(ctx, back, lines))
                continue
            reset_peak(back.proc.pid)
            sse = subprocess.Popen([ctx.helper("bench-sse"), back.url("/api/v1/events"), "--subs", str(subs),
                                    "--lines", str(lines), "--timeout-ms", "600000"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
            ctx.procs.append(sse)
            first = sse.stdout.readline().strip()
            if first != "ready":
                raise RuntimeError(f"bench-sse did not get ready: {first} {sse.stderr.read()[-500:]}")
            t0 = time.monotonic()
            t_row.add(with_subs, run_lines_deploy(ctx, back, lines))
            rest, err = sse.communicate(timeout=600)
            summary = json.loads(rest.strip().splitlines()[-1])
            peak.add("reship", status_kib(back.proc.pid, "VmHWM") / 1024)
            if summary["lastDoneMs"] > 0:
                done.add("reship", summary["lastDoneMs"])
            ok_row.add("reship", summary["complete"])
            if summary["complete"] != subs:
                ok_row.notes["reship"] = (f"of {subs}: dropped {summary['dropped']}, gaps {summary['gaps']}, "
                                          f"lines {summary['minLines']}–{summary['maxLines']}")
    return rounds * 2


def w_read_path(ctx, res, back, records_made, rounds, seconds):
    need = 1000 - records_made
    if need > 0:
        http(ctx, back.url("/api/v1/self/deploy"), n=need, method="POST", body='{"scope":"noop","mode":"build"}',
             expect=200, timeout=600)
    rps = res.row("w9", "9 read path", "wrk GET /api/v1/deploys?limit=20, 1,000 records (higher is better)",
                  "req/s", lower_better=False)
    p99 = res.row("w9p99", "9 read path", "the same, p99 latency", "ms")
    floor_rps = "reship-back GET /healthz (floor)"
    for r in range(rounds):
        for path, tool in rotate([("/api/v1/deploys?limit=20", "reship"), ("/healthz", floor_rps)], r):
            out = run(["wrk", "-t1", "-c10", f"-d{seconds}s", "--latency", back.url(path)], timeout=seconds + 60)
            m = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
            m99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out.stdout, re.M)
            errs = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
            if errs:
                rps.notes[tool] = f"{errs.group(1)} non-2xx answers"
            if m:
                rps.add(tool, float(m.group(1)))
            if m99:
                v = float(m99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m99.group(2)]
                p99.add(tool, v)
    rps.ratio_ref = floor_rps
    p99.ratio_ref = floor_rps


# ---------------------------------------------------------------------------
# 10 restart under load: one HTTP service (bench-listen-target, or its Node
# twin under pm2) restarted while bench-restart-load sends it a fixed rate of
# requests, a new connection each


LISTEN_TARGET_JS = Path(__file__).resolve().parent / "listen_target.js"
RELOAD_RATE = 500  # req/s: modest, so that load, service and supervisor share 2 cores without a queue


def read_stamps(path):
    """The lines "ready PID NS" and "exit PID NS" the service's processes
    appended (NS: CLOCK_MONOTONIC, as time.monotonic_ns())."""
    out = []
    try:
        text = Path(path).read_text()
    except OSError:
        return out
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in ("ready", "exit"):
            out.append((parts[0], int(parts[1]), int(parts[2])))
    return out


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
        return s[s.rfind(")") + 2] != "Z"
    except (OSError, IndexError):
        return False


class Unsupported(Exception):
    """This build of the tool cannot run the configuration (the row says why)."""


class Reloadable:
    """What the tools of workload 10 share: one service `web` answering HTTP
    on self.port, its processes stamping self.stamps, restarted by
    restart_argv()."""

    label = "?"

    def reload_init(self, port):
        self.port = port
        self.stamps = self.dir / "web.stamps"
        self.target = self.ctx.helper("bench-listen-target")

    def serving_pid(self):
        """The newest process that said ready and has not exited."""
        stamps = read_stamps(self.stamps)
        exited = {pid for what, pid, _ in stamps if what == "exit"}
        ready = [pid for what, pid, _ in stamps if what == "ready" and pid not in exited and pid_alive(pid)]
        return ready[-1] if ready else None

    def wait_serving(self, timeout=30):
        wait_for(lambda: self.serving_pid() is not None and port_open(self.port), timeout,
                 f"{self.label}: the service to answer on port {self.port}")

    def restart_argv(self):
        raise NotImplementedError

    def restart_once(self):
        """Restarts the service and returns (t0, t1): from just before the
        restart command to the moment a new process was ready and the old
        one had exited, whichever came last (the services' own stamps)."""
        old = self.serving_pid()
        if old is None:
            raise RuntimeError(f"{self.label}: no process is serving")
        t0 = time.monotonic_ns()
        r = run(self.restart_argv(), env=self.env(), timeout=120, check=False)
        if r.returncode != 0:
            raise RuntimeError(f"{self.label}: the restart command exited {r.returncode}: "
                               f"{(r.stderr or r.stdout).strip()[-300:]}")

        def state():
            stamps = read_stamps(self.stamps)
            new = [ns for what, pid, ns in stamps if what == "ready" and pid != old and ns >= t0]
            gone = [ns for what, pid, ns in stamps if what == "exit" and pid == old]
            return new, gone

        def done():
            new, gone = state()
            return bool(new) and (bool(gone) or not pid_alive(old))

        wait_for(done, 30, f"{self.label}: a new process ready and the old one ({old}) gone")
        new, gone = state()
        # An old process killed without its exit stamp: the moment it was seen gone.
        t_gone = gone[0] if gone else time.monotonic_ns()
        return t0, max(new[0], t_gone)


class ReshipReload(Reloadable, Reship):
    """reship-supervisor running `web`: with `listen` and restart_mode
    "overlap", with `listen` and the default "stop-first", or without
    `listen` (the service binds the port itself)."""

    LABELS = {"overlap": "reship overlap", "stop-first": "reship stop-first", "none": "reship without listen"}

    def __init__(self, ctx, mode, port):
        self.mode = mode
        super().__init__(ctx, 1, label=f"-reload-{mode}")
        self.label = self.LABELS[mode]
        self.reload_init(port)

    def start(self):
        argv = [self.target, "--stamp", str(self.stamps)]
        if self.mode == "none":
            argv += ["--port", str(self.port)]
        lines = ["[supervisor]", 'socket = "run/supervisor.sock"', "", "[services.web]",
                 "command = " + json.dumps(argv), 'ready = "notify"']
        if self.mode != "none":
            lines.append(f'listen = ["tcp://127.0.0.1:{self.port}"]')
        if self.mode == "overlap":
            lines.append('restart_mode = "overlap"')
        self.conf = self.dir / "reship.toml"
        self.conf.write_text("\n".join(lines) + "\n")
        check = run([self.ctx.supervisor, "--check", "--config", self.conf], check=False)
        if check.returncode != 0:
            # "PATH:LINE: unknown key "listen" in [services.web] (known: …)"
            why = ((check.stdout + check.stderr).strip().splitlines() or [f"exit {check.returncode}"])[0]
            why = re.sub(r"^.*?\.toml:\d+: ", "", why)
            why = re.sub(r" \(known: .*\)$", "", why)
            raise Unsupported(f"this reship-supervisor rejects the config: {why}")
        self.proc = self.ctx.start([self.ctx.supervisor, "--config", self.conf], self.dir.name, cwd=self.dir,
                                   stdout_path=self.dir / "supervisor.log")
        self.ctx.stoppers.append(self.stop)

    def restart_argv(self):
        return [self.ctx.cli, "--config", self.conf, "restart", "web"]


class S6Reload(Reloadable, S6):
    """s6-svscan over two services: an s6-fdholder-daemon, which holds the
    listening socket (bound once by `bench-listen-target --socketbinder` and
    stored with s6-fdholder-store), and `web`, whose ./run retrieves it with
    s6-fdholder-retrieve (it arrives as stdin). s6-svc -r restarts `web`:
    SIGTERM, and once it is dead, ./run again; meanwhile connections wait in
    the held socket's backlog."""

    label = "s6 + s6-fdholder"

    def __init__(self, ctx, port):
        super().__init__(ctx, 1, label="-reload")
        self.reload_init(port)
        self.fdsock = self.dir / "fdholder.sock"
        self.fdid = f"tcp:127.0.0.1:{port}"

    def start(self):
        rules = self.dir / "rules"
        me = rules / "uid" / str(os.getuid())
        (me / "env").mkdir(parents=True)
        (me / "allow").touch()
        (me / "env" / "S6_FDHOLDER_STORE_REGEX").write_text("^tcp:\n")
        (me / "env" / "S6_FDHOLDER_RETRIEVE_REGEX").write_text("^tcp:\n")
        (me / "env" / "S6_FDHOLDER_LIST").write_text("1\n")
        scan = self.dir / "scan"
        holder = scan / "fdholder"
        holder.mkdir(parents=True)
        write_script(holder / "run", f"exec s6-fdholder-daemon -1 -i {rules} {self.fdsock}")
        (holder / "notification-fd").write_text("1\n")
        web = scan / "web"
        web.mkdir()
        (web / "down").touch()  # started once the socket is stored
        write_script(web / "run", f"exec s6-fdholder-retrieve {self.fdsock} {self.fdid} "
                                  f"{self.target} --fd 0 --stamp {self.stamps} --notify-fd 3")
        (web / "notification-fd").write_text("3\n")
        self.web_dir = web
        self.proc = self.ctx.start(["s6-svscan", scan], self.dir.name, cwd=self.dir)
        self.ctx.stoppers.append(self.stop)
        wait_for(lambda: run(["s6-fdholder-list", self.fdsock], check=False, timeout=10).returncode == 0, 30,
                 "s6-fdholder-daemon to answer")
        run([self.target, "--socketbinder", self.port, "s6-fdholder-store", self.fdsock, self.fdid])
        run(["s6-svc", "-u", web])

    def dirs(self):
        return [str(self.dir / "scan" / "fdholder"), str(self.web_dir)]

    def restart_argv(self):
        return ["s6-svc", "-r", self.web_dir]


class Pm2Reload(Reloadable, Pm2):
    """pm2 in cluster mode, one instance of listen_target.js: the cluster
    master (pm2's daemon) holds the port; `pm2 reload web` starts a new
    worker, waits for its process.send('ready') (wait_ready), then stops the
    old one (SIGINT)."""

    label = "pm2 cluster reload"

    def __init__(self, ctx, port):
        super().__init__(ctx, 1, label="-reload")
        self.reload_init(port)

    def start(self):
        app = {"name": "web", "script": str(LISTEN_TARGET_JS), "args": [str(self.port), str(self.stamps)],
               "cwd": str(self.dir), "exec_mode": "cluster", "instances": 1, "wait_ready": True,
               "listen_timeout": 10000, "kill_timeout": 5000, "autorestart": True}
        eco = self.dir / "ecosystem.json"
        eco.write_text(json.dumps({"apps": [app]}, indent=1))
        self.ctx.stoppers.append(self.stop)
        run([self.ctx.pm2, "start", eco], env=self.env(), timeout=300)

    def restart_argv(self):
        return [self.ctx.pm2, "reload", "web"]


def write_script(path, line):
    path.write_text("#!/bin/sh\n" + line + "\n")
    path.chmod(0o755)


def reload_services(ctx, tools):
    """The services of workload 10 that can run here, started and answering."""
    wanted = []
    if "reship" in tools:
        wanted += [("overlap", lambda p: ReshipReload(ctx, "overlap", p)),
                   ("stop-first", lambda p: ReshipReload(ctx, "stop-first", p)),
                   ("none", lambda p: ReshipReload(ctx, "none", p))]
    if "s6" in tools:
        missing = [exe for exe in ("s6-fdholder-daemon", "s6-fdholder-store", "s6-fdholder-retrieve",
                                   "s6-fdholder-list") if not shutil.which(exe)]
        if missing:
            ctx.notes.append(f"restart under load: s6 skipped, {missing[0]} not found")
        else:
            wanted.append(("s6", lambda p: S6Reload(ctx, p)))
    if "pm2" in tools:
        if shutil.which("node"):
            wanted.append(("pm2", lambda p: Pm2Reload(ctx, p)))
        else:
            ctx.notes.append("restart under load: pm2 skipped, node not found")
    started, unsupported = [], {}
    for key, make in wanted:
        svc = make(free_port())
        try:
            svc.start()
            svc.wait_serving()
            started.append(svc)
        except Unsupported as e:
            log(f"{svc.label}: {e}")
            unsupported[svc.label] = str(e)
        except Exception as e:
            log(f"{svc.label}: did not start: {e}")
            unsupported[svc.label] = f"did not start: {e}"
            svc.stop()
            if svc.stop in ctx.stoppers:
                ctx.stoppers.remove(svc.stop)
    return started, unsupported


def reload_segment(ctx, svc, restarts, rate, steady_s):
    """One load run against svc: steady_s of steady state, then `restarts`
    restarts, each followed by steady_s again. Returns bench-restart-load's
    summary and the restart windows."""
    lg = subprocess.Popen([ctx.helper("bench-restart-load"), "--port", str(svc.port), "--rate", str(rate),
                           "--max-seconds", "110"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, start_new_session=True)
    ctx.procs.append(lg)
    first = lg.stdout.readline().split()
    if len(first) != 2 or first[0] != "ready":
        raise RuntimeError(f"bench-restart-load did not start: {first} {lg.stderr.read()[-500:]}")
    windows = []
    try:
        # Steady state is measured time, not a wait for an event: the load
        # runs on its own schedule meanwhile. s6-supervise restarts at once
        # only a service that has been ready for 1 s, hence at least 1.1 s.
        time.sleep(steady_s)
        for _ in range(restarts):
            t0, t1 = svc.restart_once()
            windows.append((t0, t1))
            lg.stdin.write(f"window {t0} {t1}\n")
            lg.stdin.flush()
            time.sleep(steady_s)
    finally:
        try:
            lg.stdin.write("stop\n")
            lg.stdin.flush()
        except OSError:
            pass
        out, err = lg.communicate(timeout=60)
    if lg.returncode != 0:
        raise RuntimeError(f"bench-restart-load exited {lg.returncode}: {err.strip()[-500:]}")
    svc.segments = getattr(svc, "segments", 0) + 1
    (svc.dir / f"load-{svc.segments}.json").write_text(" ".join(first) + "\n" + out)  # for a look with --keep
    return json.loads(out.strip().splitlines()[-1]), windows


def w_restart_under_load(ctx, res, tools, rounds, per_round, rate, steady_s):
    restarts = rounds * per_round
    fail = res.row("w10fail", "10 restart under load",
                   f"failed requests (refused, reset, timed out, non-2xx) over {restarts} restarts, "
                   f"{rate} req/s, a new connection each (n: requests sent)", "",
                   target=("0", lambda m, r: m == 0))
    during = res.row("w10p99r", "10 restart under load",
                     "p99 latency of the requests scheduled during a restart (from the scheduled time)", "ms")
    steady = res.row("w10p99s", "10 restart under load", "p99 latency, steady state (between the restarts)", "ms")
    took = res.row("w10took", "10 restart under load",
                   "restart: the command → a new process ready and the old one gone", "ms")
    for r in (fail, during, steady, took):
        r.ratio_of = "reship overlap"
    services, unsupported = reload_services(ctx, tools)
    for label, why in unsupported.items():
        fail.add(label, [])
        fail.notes[label] = f"not run: {why}"
    acc = {s.label: {"sent": 0, "failed": 0, "kinds": {}, "during": [], "steady": [], "late": 0, "took": []}
           for s in services}
    try:
        for rnd in range(rounds):
            for svc in rotate(services, rnd):
                log(f"10: {svc.label}, round {rnd + 1} of {rounds}: {per_round} restarts at {rate} req/s")
                a = acc[svc.label]
                try:
                    summary, windows = reload_segment(ctx, svc, per_round, rate, steady_s)
                except Exception as e:
                    log(f"{svc.label}: {e}")
                    fail.notes[svc.label] = f"failed: {e}"
                    a["broken"] = True
                    continue
                a["sent"] += summary["sent"]
                a["failed"] += summary["failed"]
                for k in ("refused", "reset", "timeout", "non2xx", "other", "client"):
                    a["kinds"][k] = a["kinds"].get(k, 0) + summary[k]
                a["during"] += summary["during"]["ms"]
                a["steady"] += summary["steady"]["ms"]
                a["late"] += summary["late"]
                a["took"] += [(t1 - t0) / 1e6 for t0, t1 in windows]
    finally:
        for svc in services:
            svc.stop()
            if svc.stop in ctx.stoppers:
                ctx.stoppers.remove(svc.stop)
    for svc in services:
        a = acc[svc.label]
        if not a["sent"]:
            fail.add(svc.label, [])
            continue
        fail.add(svc.label, a["failed"])
        fail.counts[svc.label] = a["sent"]
        words = {"refused": "refused", "reset": "reset or closed unanswered", "timeout": "unanswered in 5 s",
                 "non2xx": "non-2xx", "other": "other socket errors", "client": "the generator's own errors"}
        kinds = [f"{n} {words[k]}" for k, n in a["kinds"].items() if n]
        if a["late"] > a["sent"] / 50:
            kinds.append(f"{100 * a['late'] / a['sent']:.0f}% of the requests sent over 1 ms late")
        if kinds and svc.label not in fail.notes:
            fail.notes[svc.label] = ", ".join(kinds)
        if a["during"]:
            during.add(svc.label, percentile(a["during"], 99))
            during.counts[svc.label] = len(a["during"])
        if a["steady"]:
            steady.add(svc.label, percentile(a["steady"], 99))
            steady.counts[svc.label] = len(a["steady"])
        took.add(svc.label, a["took"])
    ctx.notes.append("restart under load: circus (which holds sockets for its watchers too) is not packaged in "
                     "Debian, so it is not compared; nor is systemd's socket activation, which needs systemd "
                     "as PID 1, and this machine runs none")


# ---------------------------------------------------------------------------
# machine, versions, the report


def versions(ctx):
    v = {}

    def first_line(argv):
        try:
            r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=20,
                               stdin=subprocess.DEVNULL)
            return r.stdout.strip().splitlines()[0] if r.stdout.strip() else "?"
        except (OSError, subprocess.TimeoutExpired):
            return "not installed"

    def deb(pkg):
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        return r.stdout.strip() or "not installed"

    v["reship"] = first_line([str(ctx.supervisor), "--version"])
    cache = ctx.bin / "CMakeCache.txt"
    if cache.exists():
        text = cache.read_text()
        bt = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", text, re.M)
        cxx = re.search(r"^CMAKE_CXX_COMPILER:\w+=(.*)$", text, re.M)
        comp = first_line([cxx.group(1), "--version"]) if cxx else "?"
        v["reship"] += f" ({bt.group(1) if bt else '?'}, {comp})"
    v["supervisor (supervisord)"] = "Debian " + deb("supervisor")
    v["runit"] = "Debian " + deb("runit")
    v["s6"] = "Debian " + deb("s6") + ", execline " + deb("execline")
    v["webhook"] = "Debian " + deb("webhook")
    v["wrk"] = "Debian " + deb("wrk")
    v["hyperfine"] = "Debian " + deb("hyperfine") + " (installed as asked; not used: it cannot interleave tools)"
    pm2v = "not installed"
    if ctx.pm2:
        pkg = Path(os.path.realpath(ctx.pm2)).parent.parent / "package.json"
        try:
            pm2v = "npm " + json.loads(pkg.read_text())["version"]
        except (OSError, ValueError, KeyError):
            pm2v = "?"
    v["pm2"] = pm2v
    v["node"] = first_line(["node", "--version"])
    v["python3"] = platform.python_version()
    return v


def machine():
    m = {}
    m["nproc"] = str(os.cpu_count())
    m["kernel"] = platform.release()
    try:
        cpu = re.search(r"^model name\s*:\s*(.*)$", Path("/proc/cpuinfo").read_text(), re.M)
        m["cpu"] = cpu.group(1) if cpu else "?"
    except OSError:
        m["cpu"] = "?"
    try:
        mem = re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.M)
        m["memory"] = f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        m["os"] = re.search(r'^PRETTY_NAME="(.*)"', Path("/etc/os-release").read_text(), re.M).group(1)
    except (OSError, AttributeError):
        pass
    return m


def loadavg():
    return Path("/proc/loadavg").read_text().split()[:3]


METHOD = """\
- **One run, side by side.** Every workload runs reship and each peer on the same
  machine in the same run, interleaved: round 1 runs A B C …, round 2 B C … A, and so on,
  so that a burst of noise hits every tool alike. The table gives the median, the
  spread (min–max) and the sample count; the ratio is reship's median over the best
  peer's (for req/s, higher is better; elsewhere lower is). `--quick` runs 3 rounds
  of workloads 1–2, 5 of 3, one restart of 200, a 4 s crash loop, 3 log captures, one
  fan-out, 3 s of wrk and 3 restarts under load; the full run 10, 20, 3, 20 s, 7, 4,
  3 × 10 s and 2 × 5.
- **Timing** is done by small C/C++ helpers in `tests/bench/` (never Python):
  `bench-run` times a command from `posix_spawn` to `waitpid`; `bench-respawn`
  SIGKILLs a child and reads the new child's own CLOCK_MONOTONIC stamp;
  `bench-uds` times raw socket queries and the Unix socket ping-pong; `bench-http`
  times HTTP requests over one keep-alive connection; `bench-sse` runs the SSE
  subscribers in one epoll loop and checks every line they get; `bench-restart-load`
  sends HTTP requests on a fixed schedule, a new connection each.
- **The child** is the same static binary for every supervisor (`bench-stamp`): it
  stamps CLOCK_MONOTONIC as its first act, appends "pid ns" to a file and sleeps
  (or exits 1 at once, for the crash loop). runit and s6 run it directly as the
  service's `./run` (a symlink), so no shell sits in their numbers.
- **Each peer as its docs recommend**, in a private temp dir, on loopback only:
  reship-supervisor with one `[services.cNNN]` per child and a scope `kids`;
  supervisord in the foreground (`nodaemon`) with its unix_http_server socket and
  one `[program:cNNN]` each (defaults otherwise: `startsecs=1`, `autorestart=unexpected`,
  logs to files; `minfds=4096` so that 200 programs fit); runit's `runsvdir -P` over
  one service dir per child; s6's `s6-svscan` over one service dir per child; pm2 with a
  private `PM2_HOME` and an ecosystem file (`interpreter: none`, fork mode); webhook
  with one hook per command and `include-command-output-in-response`.
- **1 restart**: reship `reship restart kids`; supervisord `supervisorctl restart all`
  (which stops them all, then waits `startsecs`, 1 s, for each to count as started);
  runit `sv restart DIR…` (sv checks every 420 ms whether the service is up); s6
  one `s6-svc -wu -r DIR` per service, all at once from one `sh` (s6-svc takes one dir;
  each returns when its service is up again, as reship's `ready = "none"` does; the
  s6 services have readiness notification, `notification-fd`, as s6 recommends:
  without it s6-supervise waits 1 s after every death; `-wR`, `-wr` and a single
  `s6-svlisten -a -R DIR…` hung to their timeout in about a third of the tries here, so
  they are not used); pm2 `pm2 restart all`.
  After each run the harness checks that every child has a new stamp, and notes when a
  command returned before all its children had started.
- **2 crash → respawn**: the child has run 1.1 s (every supervisor delays restarting a
  child that died within 1 s of its start), then SIGKILL; the time is the new child's
  stamp minus the kill.
- **3 control round trip**: the status of the 10 children through each tool's own CLI
  (`reship ps`, `supervisorctl status`, `sv status DIR…`, `s6-svstat` once per dir,
  `pm2 ls`), and without a CLI: reship's JSONL `status` and supervisord's XML-RPC
  `getAllProcessInfo` over their Unix sockets (connect, ask, read the answer); runit
  and s6 have no query protocol, their tools read `supervise/status` files, so that
  is what is timed; pm2's RPC is not a documented protocol and is not timed.
- **4 memory**: `/proc/PID/smaps_rollup` (RSS and PSS) summed over the supervisor's
  own processes: the supervisor and everything under it except the children
  (runsvdir + every runsv, s6-svscan + every s6-supervise, pm2's God daemon). PSS
  shares library pages among every process mapping them, so it depends on what else
  runs on the machine; RSS does not.
- **5 scale**: restart of 200 children as in 1; then 50 children that exit 1 at once
  (a crash loop) for a fixed window, one tool at a time: the supervisor's own CPU time
  (`/proc/PID/schedstat`), how many starts its restart policy made, and CPU per start.
- **6–9** run one reship-back on its own (no supervisor: mode `build` restarts
  nothing; its scopes name one service that never starts) and one webhook.
- **6 deploy overhead**: reship-back's synchronous `POST /api/v1/self/deploy` of a
  scope whose build is `true` (mode build: nothing restarts; the record is written to
  SQLite before the answer) vs a webhook hook running `true` and returning its output;
  50 requests each over keep-alive, in interleaved blocks of 10.
- **7 log capture**: a build printing 200,000 lines of 80 bytes (`bench-lines`, 16 MB):
  reship's time to the synchronous answer vs the same command redirected to a file
  and vs webhook returning the output; the server's peak RSS (VmHWM, reset through
  `/proc/PID/clear_refs` before each run).
- **8 fan-out**: the same deploy with 100 SSE subscribers on `/api/v1/events`
  (attached before the deploy starts), interleaved with runs without any; each
  subscriber checks it got all 200,000 lines, numbered, in order, before `deploy.done`.
- **9 read path**: 1,000 records, then `wrk -t1 -c10 --latency` on
  `GET /api/v1/deploys?limit=20`, interleaved with the same on `/healthz` (the HTTP
  server's own floor, for scale).
- **10 restart under load**: one HTTP service, `bench-listen-target` (C: answers
  `GET /` with 200 and closes; takes its listening socket from `LISTEN_FDS`/`LISTEN_PID`,
  from an inherited descriptor, or binds the port itself; says READY=1 on
  `$NOTIFY_SOCKET`, or writes s6's `notification-fd`, once it listens; on SIGTERM it
  stops accepting, finishes the request in hand and exits; the signal comes through a
  signalfd polled with the socket, so it never sits in `accept()`), restarted while
  `bench-restart-load` sends it 500 requests a second on a fixed schedule (open loop: a
  stalled server does not slow the load down), a new TCP connection each, the latency
  running from the scheduled time, so that a stall counts in full. A request fails when
  it is refused, reset or closed unanswered, unanswered within 5 s, or answered with
  another status than 2xx. Each tool gets 1.1 s of steady state, then restarts, each
  followed by 1.1 s of steady state (s6 restarts at once only a service ready for 1 s):
  2 rounds of 5 per tool, the tools in turn. A restart runs from the restart command
  until a new process is ready and the old one has exited (their own CLOCK_MONOTONIC
  stamps); a request scheduled in it or up to 250 ms after it is "during a restart",
  every other one is steady state (less the first 250 ms). The p99s are of the answered
  requests; failures are counted apart. The tools: reship with `listen =
  ["tcp://127.0.0.1:PORT"]`, `restart_mode = "overlap"` and `ready = "notify"`
  (`reship restart web`: the new process starts on the held socket, and the old one is
  stopped once the new is ready); the same with the default mode, `stop-first` (the
  old is stopped, then the new started: connections wait in the held socket's backlog);
  reship without `listen`, the service binding the port itself (`SO_REUSEADDR`), which is
  what a restart costs without a held socket; s6 with an `s6-fdholder-daemon` service
  holding the socket (bound once by `bench-listen-target --socketbinder`, stored with
  `s6-fdholder-store`) and the service's `./run` an `s6-fdholder-retrieve` of it into
  `bench-listen-target --fd 0`, restarted with `s6-svc -r` (stop, then start, as
  stop-first); pm2 in cluster mode, one instance of `listen_target.js` (its Node twin:
  `server.close()` on SIGINT, `process.send('ready')` with `wait_ready`), `pm2 reload
  web`: the cluster master, pm2's daemon, holds the port and hands each connection to a
  worker. circus, which holds sockets for its watchers too, is not packaged in Debian,
  and systemd's socket activation needs systemd as PID 1: neither is compared.
- **Physical limits**: `posix_spawn` + `waitpid` of `true`; a 64-byte round trip over
  a Unix socket pair between two processes.
"""


def write_doc(path, table_md, meta, ctx, started, ended, load0, load1):
    mode = "`scripts/bench --quick`" if ctx.quick else "`scripts/bench`"
    lines = []
    lines.append("<!-- bench:begin (written by scripts/bench: edits between these markers are replaced) -->")
    if ctx.args.provisional:
        lines.append("")
        lines.append(f"> **Provisional: {ctx.args.provisional}.** These numbers come from {mode} "
                     "and are noisy; the final ones will be taken on a quiet machine with the same script.")
    lines.append("")
    lines.append(f"Measured {started:%Y-%m-%d %H:%M} UTC with {mode} in "
                 f"{(ended - started).total_seconds() / 60:.1f} min.")
    lines.append("")
    lines.append("### Machine")
    lines.append("")
    m = machine()
    for k, val in m.items():
        lines.append(f"- {k}: {val}")
    lines.append(f"- load average (1, 5, 15 min): {' '.join(load0)} at the start, {' '.join(load1)} at the end")
    lines.append("")
    lines.append("### Versions")
    lines.append("")
    for k, val in meta["versions"].items():
        lines.append(f"- {k}: {val}")
    if ctx.skipped:
        lines.append("")
        for k, why in ctx.skipped.items():
            lines.append(f"- **{k} skipped**: {why}")
    lines.append("")
    lines.append("### Results")
    lines.append("")
    lines.append(table_md)
    if ctx.notes:
        lines.append("")
        for n in ctx.notes:
            lines.append(f"- {n}")
    lines.append("")
    lines.append("### Method")
    lines.append("")
    lines.append(METHOD.rstrip())
    lines.append("")
    lines.append("<!-- bench:end -->")
    block = "\n".join(lines)

    if path.exists():
        text = path.read_text()
        m = re.search(r"<!-- bench:begin.*?<!-- bench:end -->", text, re.S)
        if m:
            text = text[:m.start()] + block + text[m.end():]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    else:
        text = ("# Performance\n\nreship against supervisord, s6, runit, pm2 and webhook, measured side by side "
                "on one machine by `scripts/bench` (issue 7).\n\n" + block + "\n")
    path.write_text(text)


# ---------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bin-dir", required=True, help="the CMake build dir holding the binaries")
    ap.add_argument("--quick", action="store_true", help="a short run (under 3 minutes)")
    ap.add_argument("--pm2", default="", help="the pm2 executable (empty: skip pm2)")
    ap.add_argument("--tools", nargs="*", help="only these supervisors (default: all)")
    ap.add_argument("--only", default="", help="comma-separated parts: phys,sup10,sup200,crash,back,reload")
    ap.add_argument("--doc", default="", help="write the results into this markdown file")
    ap.add_argument("--provisional", default="", help="mark the doc's numbers as provisional, with this reason")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = ap.parse_args()

    ctx = Ctx(args)
    res = Results()

    def on_signal(signum, frame):
        raise Interrupted(signal.Signals(signum).name)

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    quick = args.quick
    parts = set(args.only.split(",")) if args.only else {"phys", "sup10", "sup200", "crash", "back", "reload"}
    started = datetime.datetime.now(datetime.timezone.utc)
    t_start = time.monotonic()
    load0 = loadavg()
    ok = True
    try:
        tools = available_tools(ctx)
        for t, why in ctx.skipped.items():
            log(f"skipping {t}: {why}")
        log(f"tools: {', '.join(tools)}; temp dir {ctx.tmp}; {'quick' if quick else 'full'} run")

        if "phys" in parts:
            log("physical limits")
            physical_limits(ctx, res)

        if "sup10" in parts:
            log("10 children under every supervisor")
            sups = start_all(ctx, tools, 10)
            time.sleep(1.2)  # every child past its first second
            w_memory(ctx, res, sups, 10)
            log("1: restart 10")
            w_restart(ctx, res, sups, 3 if quick else 10, "w1", "1 restart 10",
                      target=("≤ 20 ms", lambda m, r: m <= 20.0))
            log("2: crash → respawn")
            w_respawn(ctx, res, sups, 3 if quick else 10)
            log("3: status")
            w_status(ctx, res, sups, 5 if quick else 20)
            w_memory(ctx, res, sups, 10)
            for s in sups.values():
                s.stop()
                ctx.stoppers.remove(s.stop)

        if "sup200" in parts:
            log("200 children under every supervisor")
            sups = start_all(ctx, tools, 200)
            time.sleep(1.2)
            w_memory(ctx, res, sups, 200)
            log("5: restart 200")
            w_restart(ctx, res, sups, 1 if quick else 3, "w5", "5 scale: restart 200")
            w_memory(ctx, res, sups, 200)
            for s in sups.values():
                s.stop()
                ctx.stoppers.remove(s.stop)
            per_child_memory(res)

        if "crash" in parts:
            window = 4.0 if quick else 20.0
            log(f"5: crash loop, {window:g} s per tool")
            w_crashloop(ctx, res, tools, window)

        if "back" in parts:
            lines = 200_000
            log("6-9: reship-back and webhook")
            back = Back(ctx, lines)
            hook = None
            if shutil.which("webhook"):
                hook = Webhook(ctx, lines)
            else:
                ctx.skipped["webhook"] = "webhook not found (its Debian package could not be installed)"
            made = 0
            log("6: deploy overhead")
            made += w_deploy_overhead(ctx, res, back, hook)
            log("7: log capture")
            made += w_log_capture(ctx, res, back, hook, lines, 3 if quick else 7)
            log("8: fan-out")
            made += w_fanout(ctx, res, back, lines, 1 if quick else 4)
            log("9: read path")
            w_read_path(ctx, res, back, made, 1 if quick else 3, 3 if quick else 10)

        if "reload" in parts:
            rounds, per_round = (1, 3) if quick else (2, 5)
            log(f"10: restart under load, {rounds * per_round} restarts per tool")
            w_restart_under_load(ctx, res, tools, rounds, per_round, rate=RELOAD_RATE, steady_s=1.1)
    except Interrupted as e:
        log(f"interrupted ({e}): stopping everything started")
        ok = False
    except Exception as e:
        import traceback
        traceback.print_exc()
        log(f"failed: {e}")
        ok = False
    finally:
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        ctx.cleanup()

    ended = datetime.datetime.now(datetime.timezone.utc)
    lines = table_lines(res)
    if len(lines) > 1:
        print()
        print(render_text(lines))
        print()
        print(f"({(time.monotonic() - t_start) / 60:.1f} min; load average {' '.join(load0)} → "
              f"{' '.join(loadavg())})")
        for t, why in ctx.skipped.items():
            print(f"skipped {t}: {why}")
        for n in ctx.notes:
            print(f"note: {n}")
    if ok and args.doc:
        meta = {"versions": versions(ctx)}
        write_doc(Path(args.doc), render_markdown(lines), meta, ctx, started, ended, load0, loadavg())
        log(f"wrote {args.doc}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
