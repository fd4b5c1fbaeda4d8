"""bench_results — the pure half of bench_agents: runs to rows, rows to
tables, target verdicts and the plot. No root, no /proc, no agents, so
tests/cli/bench_harness.bats can check it on made-up runs.

A run is a dict from bench_agents.run_once: agent, wall_s, build_cpu_ns,
execs, bg_cores, agent_cpu_ns, and for buildwarden bw_execs, bw_lost,
bw_delivered, start_ms, exit_lag_ms, teardown_ms, agent_start_cpu_ns; or
error. A row is one configuration's summary over its runs.
"""

import calendar
import json
import os
import shutil
import statistics
import subprocess
import time

# The agents' published figures, µs of agent CPU per exec.
PUBLISHED = [("auditd (published)", 53.0), ("Sysmon for Linux (published)", 154.0)]
NOISY_CORES = 0.25  # other load above which wall and build-CPU verdicts are not trusted
TARGET_STORM_OVERHEAD = 0.05
TARGET_JQ_OVERHEAD = 0.01
TARGET_BUILD_CPU = 0.01
TARGET_CPU_US = {"storm": 5.0, "zlib": 10.0, "jq": 10.0}
TARGET_START_MS = 30.0
TARGET_EXIT_MS = 20.0
TARGET_RSS_MIB = 16.0
PEERS = ("auditd", "bpftrace")
REAL_BUILDS = ("zlib", "jq")


def parse_events(path, tiny):
    """What the harness needs of a buildwarden events file: the summary
    record, the first exec's and the root's exit ktime_ns (the root is the
    first exec's pid), and the exec records whose exe is TINY."""
    out = {"summary": None, "first_exec_ktime": None, "tiny_execs": 0, "root_exit_ktime": None,
           "summary_ktime": None}
    root = offset = None
    needle = f'"exe":"{tiny}"' if tiny else None
    with open(path, errors="surrogateescape") as f:
        for line in f:
            if '"type":"exec"' in line:
                if root is None:
                    rec = json.loads(line)
                    out["first_exec_ktime"], root = rec["ktime_ns"], rec["pid"]
                    offset = iso_ns(rec["time"]) - rec["ktime_ns"]
                if needle and needle in line:
                    out["tiny_execs"] += 1
            elif '"type":"exit"' in line and out["root_exit_ktime"] is None and f'"pid":{root}' in line:
                rec = json.loads(line)
                if rec["pid"] == root:
                    out["root_exit_ktime"] = rec["ktime_ns"]
            elif '"type":"summary"' in line:
                out["summary"] = json.loads(line)
    if out["summary"] and root is not None:
        # The summary has no ktime_ns; its time is CLOCK_MONOTONIC plus the
        # offset every record of the run shares.
        out["summary_ktime"] = iso_ns(out["summary"]["time"]) - offset
    return out


def iso_ns(t):
    """ns since the epoch of an event's "time" (2026-12-04T17:51:47.123456789Z)."""
    sec, _, frac = t.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(sec, "%Y-%m-%dT%H:%M:%S")) * 10**9 + int((frac + "000000000")[:9])


def bw_result(ev, t_spawn_ns, t_end_ns):
    """A buildwarden run's figures from its parsed events EV, the
    CLOCK_MONOTONIC time it was spawned and the time it exited: start (to
    the first exec), exit lag (from the root's exit) and teardown (from
    the summary, written once the root is reaped and every record
    drained)."""
    summ = ev["summary"]
    if not summ:
        return {"error": "no summary record in the events file"}
    res = {"bw_execs": summ.get("execs"), "bw_lost": summ.get("lost"), "bw_delivered": ev["tiny_execs"]}
    for key, t0, t1 in (("start_ms", t_spawn_ns, ev["first_exec_ktime"]),
                        ("exit_lag_ms", ev["root_exit_ktime"], t_end_ns),
                        ("teardown_ms", ev["summary_ktime"], t_end_ns)):
        if t0 is not None and t1 is not None:
            res[key] = (t1 - t0) / 1e6
    return res


def is_bw(cfg):
    return cfg == "buildwarden" or cfg.startswith("buildwarden+")


def fmt_ratio(r):
    return f"x{r:.3f} ({(r - 1) * 100:+.1f}%)"


def median_of(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def summarise(results, configs, wl, unavailable, fixed=None):
    """One row per configuration name in CONFIGS, in that order; WL has
    name, tiny (the exec storm's target, else None) and count (a real
    build's exec count from tracefs, else None)."""
    base = [r for r in results if r["agent"] == "none" and "error" not in r]
    base_wall = median_of(base, "wall_s")
    base_cpu = median_of(base, "build_cpu_ns")
    rows = []
    for name in configs:
        if name in unavailable:
            rows.append({"config": name, "unavailable": unavailable[name]})
            continue
        ok = [r for r in results if r["agent"] == name and "error" not in r]
        errs = [r["error"] for r in results if r["agent"] == name and "error" in r]
        row = {"config": name, "n": len(ok), "errors": errs}
        if not ok:
            row["unavailable"] = "every run failed: " + (errs[0] if errs else "?")
        else:
            measure_row(row, ok, base_wall, base_cpu)
            row["notes"] = "; ".join(notes_of(row, ok, wl, fixed) +
                                     ([f"{len(errs)} failed run(s): {errs[0][:120]}"] if errs else []))
        rows.append(row)
    return rows


def measure_row(row, ok, base_wall, base_cpu):
    walls = [r["wall_s"] for r in ok]
    row["walls"] = walls
    row["wall_med"] = statistics.median(walls)
    row["wall_min"], row["wall_max"] = min(walls), max(walls)
    if base_wall:
        row["ratio"] = row["wall_med"] / base_wall
    bc = median_of(ok, "build_cpu_ns")
    row["build_cpu_s"] = bc / 1e9
    if base_cpu:
        row["build_cpu_ratio"] = bc / base_cpu
    row["execs"] = median_of(ok, "execs")
    row["bg_cores"] = median_of(ok, "bg_cores")
    if "agent_cpu_ns" in ok[0]:
        per = [r["agent_cpu_ns"] / r["execs"] / 1e3 for r in ok]
        row["cpu_us_exec"] = statistics.median(per)
        row["cpu_us_min"], row["cpu_us_max"] = min(per), max(per)


def notes_of(row, ok, wl, fixed):
    if "bw_execs" in ok[0]:
        return bw_notes(row, ok, wl, fixed)
    notes = []
    if "audit_lost" in ok[0]:
        notes.append(f"audit lost {sum(r['audit_lost'] for r in ok)}")
    if "logged" in ok[0]:
        lg = [r["logged"] for r in ok]
        notes.append(f"recorded {min(lg)}-{max(lg)} execs system-wide")
    if "bt_delivered" in ok[0] and wl.tiny:
        dl = [r["bt_delivered"] for r in ok]
        notes.append(f"printed {min(dl)}-{max(dl)} of {int(row['execs']) - 1} tiny execs")
    return notes


def bw_notes(row, ok, wl, fixed):
    """buildwarden's notes; sets the row's exec check, start, exit and
    marginal CPU figures on the way."""
    notes = []
    if wl.tiny:
        seen, want = [r.get("bw_delivered", 0) for r in ok], int(row["execs"]) - 1
        notes.append(f"delivered {min(seen)}-{max(seen)} of {want} tiny execs")
    else:
        seen, want = [(r.get("bw_execs") or 0) - 1 for r in ok], int(row["execs"])  # minus the gate shell
        notes.append(f"saw {min(seen)}-{max(seen)} of {want} execs")
    row["execs_seen_min"], row["execs_seen_max"], row["execs_want"] = min(seen), max(seen), want
    notes.append(f"lost {sum(r.get('bw_lost') or 0 for r in ok)}")
    for key, fmt in (("start_ms", "start {:.0f} ms"), ("exit_lag_ms", "exits {:.0f} ms after the build's root"),
                     ("teardown_ms", "{:.0f} ms after its summary")):
        row[key] = median_of(ok, key)
        if row[key] is not None:
            notes.append(fmt.format(row[key]))
    row["agent_start_cpu_ms"] = median_of(ok, "agent_start_cpu_ns") / 1e6
    notes.append(f"startup CPU {row['agent_start_cpu_ms']:.0f} ms")
    if fixed and fixed.get(row["config"]) is not None and "cpu_us_exec" in row:
        marg = (median_of(ok, "agent_cpu_ns") - fixed[row["config"]]) / row["execs"] / 1e3
        row["cpu_us_marginal"] = marg
        notes.append(f"{marg:.1f} µs/exec over the {fixed[row['config']] / 1e6:.1f} ms an empty job costs")
    return notes


def table(wl, rows):
    lines = [f"### {wl.title} — {wl.desc}", ""]
    lines.append("| config | median wall s | min–max s | overhead vs none | agent CPU µs/exec (min–max) "
                 "| build CPU s (vs none) | execs | other load, cores | notes |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "unavailable" in r:
            lines.append(f"| {r['config']} | unavailable: {r['unavailable']} | | | | | | | |")
            continue
        ratio = "1 (baseline)" if r["config"] == "none" else fmt_ratio(r["ratio"]) if "ratio" in r else "—"
        cpu = (f"{r['cpu_us_exec']:.1f} ({r['cpu_us_min']:.1f}–{r['cpu_us_max']:.1f})"
               if "cpu_us_exec" in r else "—")
        bc = f"{r['build_cpu_s']:.2f}"
        if "build_cpu_ratio" in r and r["config"] != "none":
            bc += f" (x{r['build_cpu_ratio']:.3f})"
        lines.append(f"| {r['config']} | {r['wall_med']:.3f} | {r['wall_min']:.3f}–{r['wall_max']:.3f} | "
                     f"{ratio} | {cpu} | {bc} | {int(r['execs'])} | {r['bg_cores']:.2f} | {r.get('notes', '')} |")
    return lines


# --------------------------------------------------------------------------
# Targets. Each verdict is a dict: target, config, figure, status (met,
# MISSED by ..., INCONCLUSIVE: ..., or "not measured").


def verdict(target, config, figure, ok, miss, noise=None):
    status = noise or ("met" if ok else f"MISSED by {miss}")
    return {"target": target, "config": config, "figure": figure, "status": status}


def find_row(all_rows, wname, cfg):
    for r in all_rows.get(wname, (None, []))[1]:
        if r["config"] == cfg and "unavailable" not in r:
            return r
    return None


def noise_of(all_rows, wname, cfg):
    """INCONCLUSIVE when the rest of the machine ran more than NOISY_CORES
    during a run of none or of CFG."""
    load = max((r.get("bg_cores", 0) for r in (find_row(all_rows, wname, "none"), find_row(all_rows, wname, cfg))
                if r), default=0)
    if load > NOISY_CORES:
        return f"INCONCLUSIVE: {load:.2f} cores of other work ran meanwhile (over {NOISY_CORES})"
    return None


def bw_configs(all_rows):
    names = []
    for _, rows in all_rows.values():
        names += [r["config"] for r in rows if is_bw(r["config"]) and r["config"] not in names]
    return names


def pct(x):
    return f"{x * 100:+.1f}%"


def storm_overhead(all_rows, cfg):
    r = find_row(all_rows, "storm", cfg)
    if not r or "ratio" not in r:
        return []
    peers = [p for p in (find_row(all_rows, "storm", n) for n in PEERS) if p and "ratio" in p]
    ov = r["ratio"] - 1
    below = all(ov < p["ratio"] - 1 for p in peers)
    fig = f"{pct(ov)} (" + (", ".join(f"{p['config']} {pct(p['ratio'] - 1)}" for p in peers) or "no peer") + ")"
    miss = f"{max(0, ov - TARGET_STORM_OVERHEAD) * 100:.1f} points" + ("" if below else ", and not below every peer")
    return [verdict("exec-storm wall overhead <= 5% and below every peer", cfg, fig,
                    ov <= TARGET_STORM_OVERHEAD and below, miss, noise_of(all_rows, "storm", cfg))]


def jq_overhead(all_rows, cfg):
    r = find_row(all_rows, "jq", cfg)
    if not r or "ratio" not in r:
        return []
    ov = r["ratio"] - 1
    return [verdict("jq median wall overhead <= 1%", cfg, pct(ov), ov <= TARGET_JQ_OVERHEAD,
                    f"{(ov - TARGET_JQ_OVERHEAD) * 100:.1f} points", noise_of(all_rows, "jq", cfg))]


def zlib_vs_peers(all_rows, cfg):
    r = find_row(all_rows, "zlib", cfg)
    peers = [p for p in (find_row(all_rows, "zlib", n) for n in PEERS) if p and "ratio" in p]
    if not r or "ratio" not in r or not peers:
        return []
    best = min(peers, key=lambda p: p["ratio"])
    noise = noise_of(all_rows, "zlib", cfg) or noise_of(all_rows, "zlib", best["config"])
    return [verdict("zlib wall no worse than the best peer", cfg,
                    f"{pct(r['ratio'] - 1)} (best peer {best['config']} {pct(best['ratio'] - 1)})",
                    r["ratio"] <= best["ratio"], f"{(r['ratio'] - best['ratio']) * 100:.1f} points", noise)]


def build_cpu(all_rows, cfg):
    out = []
    for w in REAL_BUILDS:
        r = find_row(all_rows, w, cfg)
        if r and "build_cpu_ratio" in r:
            d = r["build_cpu_ratio"] - 1
            out.append(verdict(f"{w} build CPU within 1% of none", cfg, pct(d), abs(d) <= TARGET_BUILD_CPU,
                               f"{(abs(d) - TARGET_BUILD_CPU) * 100:.1f} points", noise_of(all_rows, w, cfg)))
    return out


def agent_cpu(all_rows, cfg):
    out = []
    for w, limit in TARGET_CPU_US.items():
        r = find_row(all_rows, w, cfg)
        if r and "cpu_us_exec" in r:
            v = r["cpu_us_exec"]
            out.append(verdict(f"agent CPU <= {limit:g} µs/exec, {w}", cfg, f"{v:.1f} µs", v <= limit,
                               f"{v - limit:.1f} µs"))
    return out


def execs_seen(all_rows, cfg):
    out = []
    for w in REAL_BUILDS:
        r = find_row(all_rows, w, cfg)
        if r and "execs_want" in r:
            lo, hi, want = r["execs_seen_min"], r["execs_seen_max"], r["execs_want"]
            out.append(verdict(f"every exec of {w} seen, every run", cfg, f"{lo}-{hi} of {want}",
                               lo == hi == want, f"{max(abs(want - lo), abs(hi - want))} execs"))
    return out


def start_and_exit(all_rows, cfg):
    rows = [r for r in (find_row(all_rows, w, cfg) for w in all_rows) if r]
    out = []
    for key, limit, what in (("start_ms", TARGET_START_MS, "first exec <= 30 ms after start"),
                             ("teardown_ms", TARGET_EXIT_MS, "exit <= 20 ms after the root is reaped and drained")):
        vals = [r[key] for r in rows if r.get(key) is not None]
        if vals:
            v = statistics.median(vals)
            out.append(verdict(what, cfg, f"{v:.0f} ms (median of the rows)", v <= limit, f"{v - limit:.0f} ms"))
    return out


def loss_targets(loss):
    if not loss or "error" in loss:
        return []
    miss = loss["performed"] - loss["delivered"]
    mib, procs = loss["rss_peak_kib"] / 1024, loss.get("processes") or 0
    few = "" if procs >= 100000 else f"; only {procs} processes: raise BENCH_LOSS_EXECS"
    return [verdict("zero lost at the maximum exec rate", "buildwarden",
                    f"{miss} missing, lost counter {loss.get('lost')}", miss == 0 and not loss.get("lost"),
                    f"{miss} events"),
            verdict("RSS <= 16 MiB after 100,000 processes", "buildwarden",
                    f"{mib:.1f} MiB after {procs}{few}", mib <= TARGET_RSS_MIB and procs >= 100000,
                    f"{mib - TARGET_RSS_MIB:.1f} MiB" if mib > TARGET_RSS_MIB else "too few processes")]


PER_CONFIG = (storm_overhead, jq_overhead, zlib_vs_peers, build_cpu, agent_cpu, execs_seen, start_and_exit)


def targets(all_rows, loss):
    """Every verdict; ALL_ROWS maps a workload name to (workload, rows)."""
    out = []
    for cfg in bw_configs(all_rows):
        for check in PER_CONFIG:
            out += check(all_rows, cfg)
    return out + loss_targets(loss)


def target_lines(verdicts):
    if not verdicts:
        return ["  (nothing measured)"]
    return [f"  {v['target']} [{v['config']}]: {v['figure']} — {v['status']}" for v in verdicts]


# --------------------------------------------------------------------------


def plot(all_rows, outdir):
    """cpu_per_exec.png with gnuplot, if it is installed; its path or None."""
    if not shutil.which("gnuplot"):
        return None
    wls = [w for w in all_rows if all_rows[w][1]]
    agents = []
    for w in wls:
        agents += [r["config"] for r in all_rows[w][1] if "cpu_us_exec" in r and r["config"] not in agents]
    if not agents:
        return None
    dat = os.path.join(outdir, "cpu_per_exec.dat")
    with open(dat, "w") as f:
        f.write("agent " + " ".join(f'"{all_rows[w][0].title}"' for w in wls) + "\n")
        for a in agents:
            vals = [(find_row(all_rows, w, a) or {}).get("cpu_us_exec") for w in wls]
            f.write(f'"{a}" ' + " ".join("NaN" if v is None else f"{v:.2f}" for v in vals) + "\n")
        for name, v in PUBLISHED:
            f.write(f'"{name}" ' + " ".join(f"{v:.2f}" if i == 0 else "NaN" for i in range(len(wls))) + "\n")
    png = os.path.join(outdir, "cpu_per_exec.png")
    series = ", ".join(("'%s'" % dat if i == 0 else "''") + f" using {i + 2}:xtic(1) title columnhead({i + 2})"
                       for i in range(len(wls)))
    limit = TARGET_CPU_US["jq"]
    script = f"""set terminal pngcairo size 1000,500 noenhanced
set output '{png}'
set title 'Agent CPU per exec, microseconds (lower is better), {os.uname().release}, {time.strftime('%Y-%m-%d')}'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'microseconds of agent CPU per exec (log scale)'
set logscale y
set yrange [0.5:*]
set grid ytics
set key outside right top
set xtics rotate by -20
plot {series}, {limit} with lines dashtype 2 lw 2 lc rgb 'red' title 'real-build target ({limit:g})'
"""
    gp = os.path.join(outdir, "cpu_per_exec.gp")
    with open(gp, "w") as f:
        f.write(script)
    r = subprocess.run(["gnuplot", gp], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        print("bench_results: gnuplot failed: " + r.stdout.strip()[:300], flush=True)
        return None
    return png
