"""The one table: each measured row with its limit or target, the ratio and PASS/FAIL."""

from __future__ import annotations

from typing import Any

TARGETS = {"syndicated": 1.3, "enrich": 0.85, "index": 0.8, "e2e": 0.8, "p99_half_s": 2.0, "workers_x2": 1.7, "rss_mb": 500.0, "rss_enrich_mb": 1024.0}


def _f(v: float | None, unit: str = "", digits: int = 1) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}{unit}"


def rows(r: dict[str, Any]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []

    def row(check: str, measured: str, limit: str = "", ratio: str = "", target: str = "", verdict: str = "") -> None:
        out.append({"check": check, "measured": measured, "limit": limit, "ratio": ratio, "target": target,
                    "result": verdict})

    def judge(ok: bool | None) -> str:
        return "n/a" if ok is None else ("PASS" if ok else "FAIL")

    search = r.get("search")
    nlp, bulk, kafka = r.get("limit_nlp"), r.get("limit_bulk"), r.get("limit_kafka") or {}
    stages, e2e = r.get("stages") or {}, r.get("e2e")
    if nlp:
        row(f"limit: spaCy nlp.pipe {'+'.join(nlp['components'])}, polls of {nlp['batch']}",
            _f(nlp["rate"], " art/s"))
    if bulk:
        row(f"limit: ES helpers.bulk, chunks of {bulk['chunk']} (+refresh)",
            f"{_f(bulk['rate'], ' art/s', 0)} ({_f(bulk['mb_per_s'], ' MB/s')})")
    for kind, k in kafka.items():
        row(f"limit: kafka-python {kind} ({k['mean_bytes'] / 1000:.1f} kB/msg)",
            f"produce {k['produce_rate']:.0f}/s ({k['produce_mb_s']:.0f} MB/s), "
            f"consume {k['consume_rate']:.0f}/s ({k['consume_mb_s']:.0f} MB/s)")
    c = stages.get("clean")
    if c:
        row("clean stage alone (process, HTML pages)", _f(c["rate"], " art/s"), "no external limit", "", "absolute",
            "info")
    e = stages.get("enrich")
    if e:
        ratio = e["rate"] / nlp["rate"] if nlp and e.get("rate") else None
        row("enrich stage alone / raw nlp.pipe", _f(e["rate"], " art/s"), _f(nlp and nlp["rate"], " art/s"),
            _f(ratio, "", 2), f">= {TARGETS['enrich']}", judge(None if ratio is None else ratio >= TARGETS["enrich"]))
    i = stages.get("index")
    if i:
        # the fastest raw pass of the run: interleaved with the stage's runs (index_bench.paired)
        # or the limits section's, whichever was faster, so a slow raw minute never flatters it
        raws = [(i["raw_rate"], f"best of {len(i['raw_rates'])} interleaved")] if i.get("raw_rate") else []
        raws += [(bulk["rate"], "limits section")] if bulk else []
        raw_rate, how = max(raws) if raws else (None, "")
        ratio = i["rate"] / raw_rate if raw_rate and i.get("rate") else None
        row(f"index stage alone (best of {len(i.get('runs_rates') or [1])}) / raw ES helpers.bulk of the same "
            f"documents (fastest pass of the run: {how})", _f(i["rate"], " art/s"),
            _f(raw_rate, " art/s"), _f(ratio, "", 2), f">= {TARGETS['index']}",
            judge(None if ratio is None else ratio >= TARGETS["index"]))
        if i.get("raw_rate") and bulk and i.get("rate"):
            row("index: raw helpers.bulk, interleaved best / limits section (same documents, minutes apart)",
                _f(i["raw_rate"], " art/s"), _f(bulk["rate"], " art/s"), _f(i["raw_rate"] / bulk["rate"], "", 2), "",
                "info")
        if i.get("round_ratios"):
            row("index: each round's stage run / raw pass (the spread is the machine's noise)",
                ", ".join(f"{a:.0f}/{b:.0f}={a / b:.2f}" for a, b in zip(i["runs_rates"], i["raw_rates"])),
                "", "", "", "info")
        if i.get("cpu_ms_per_article"):
            row("index stage CPU per article (user+sys, after start-up)", _f(i["cpu_ms_per_article"], " ms", 3),
                "", "", "", "info")
        if bulk and bulk.get("preserialized_rate") and i.get("rate"):
            row("index stage alone / ES _bulk of bodies serialized beforehand (ES alone)", _f(i["rate"], " art/s"),
                _f(bulk["preserialized_rate"], " art/s"), _f(i["rate"] / bulk["preserialized_rate"], "", 2), "",
                "info")
        if i.get("runs_rates") and not i.get("round_ratios"):
            row("index stage alone: rate of each run (best counts)",
                ", ".join(_f(x, "", 0) for x in i["runs_rates"]) + " art/s", "", "", "", "info")
    x2 = stages.get("enrich_x2")
    singles = [s["rate"] for s in (e, stages.get("enrich_again")) if s and s.get("rate")]
    if x2 and x2.get("rate") and singles:
        one = max(singles)  # the faster single run, before or after the two workers
        scale = x2["rate"] / one
        row(f"scale-out: 2 enrich workers / 1 worker (faster of {len(singles)} single runs around it)",
            _f(x2["rate"], " art/s"), _f(one, " art/s"), _f(scale, "", 2), f">= {TARGETS['workers_x2']} (2 cores)",
            judge(scale >= TARGETS["workers_x2"]))
        if len(singles) > 1:
            row("scale-out: the single runs before / after (the spread is the machine's noise)",
                " / ".join(_f(x, " art/s") for x in singles), "", "", "", "info")
    if e2e:
        full, half = e2e["full"], e2e["half"]
        rates = {s: v["rate"] for s, v in stages.items()
                 if v and v.get("rate") and s not in ("enrich_x2", "enrich_again")}
        if singles and "enrich" in rates:  # the faster single enrich run: the stricter slowest stage
            rates["enrich"] = max(singles)
        slowest = min(rates, key=rates.get) if rates else None
        ratio = full["throughput"] / rates[slowest] if slowest else None
        row(f"e2e full speed ({full['searchable']}/{full['posted']} searchable) / slowest stage alone"
            + (f" ({slowest})" if slowest else ""), _f(full["throughput"], " art/s"),
            _f(rates.get(slowest) if slowest else None, " art/s"), _f(ratio, "", 2), f">= {TARGETS['e2e']}",
            judge(None if ratio is None else ratio >= TARGETS["e2e"]))
        row("e2e latency at full speed p50/p95/p99",
            f"{_f(full['p50_s'], 's')}/{_f(full['p95_s'], 's')}/{_f(full['p99_s'], 's')}", "", "", "", "info")
        row(f"e2e latency at half speed ({_f(half['offered_rate'], '/s', 2)}, {half['searchable']}/{half['posted']}) "
            "p50/p95/p99", f"{_f(half['p50_s'], 's')}/{_f(half['p95_s'], 's')}/{_f(half['p99_s'], 's')}", "", "",
            f"p99 < {TARGETS['p99_half_s']:.0f} s",
            judge(None if half["p99_s"] is None else half["p99_s"] < TARGETS["p99_half_s"]))
    syn = r.get("syndicated")
    if syn:
        off, on = syn["loads"]["off"], syn["loads"]["on"]
        row(f"e2e, {syn['share']:.0%} syndicated copies: copy reuse on / off (best of {len(on)} loads each)",
            _f(syn["rate_on"], " art/s"), _f(syn["rate_off"], " art/s"), _f(syn["ratio"], "", 2),
            f">= {TARGETS['syndicated']}", judge(syn["ratio"] >= TARGETS["syndicated"]))
        row("syndicated: each round's on / off (the spread is the machine's noise)",
            ", ".join(f"{a['throughput']:.1f}/{b['throughput']:.1f}={x:.2f}"
                      for a, b, x in zip(on, off, syn["round_ratios"])), "", "", "", "info")
        row("syndicated: copies marked by clean / reused by enrich, per load (on | off)",
            " ".join(f"{x['marked_duplicate']}/{x['reused']}" for x in on) + " | "
            + " ".join(f"{x['marked_duplicate']}/{x['reused']}" for x in off)
            + f" of {on[0]['copies']} copies", "", "", "", "info")
        cpu_on = [x["enrich_cpu_ms_per_article"] for x in on if x.get("enrich_cpu_ms_per_article")]
        cpu_off = [x["enrich_cpu_ms_per_article"] for x in off if x.get("enrich_cpu_ms_per_article")]
        if cpu_on and cpu_off:
            row("syndicated: enrich CPU per article, reuse on / off", _f(min(cpu_on), " ms", 1),
                _f(min(cpu_off), " ms", 1), _f(min(cpu_off) / min(cpu_on), "", 2), "", "info")
    rss: list[tuple[str, float]] = []
    for s, v in stages.items():
        if v:
            rss += [(f"{s} alone" + (f" #{k}" if len(v["peak_rss_mb"]) > 1 else ""), mb)
                    for k, mb in enumerate(v["peak_rss_mb"])]
    if e2e:
        rss += [(f"{s} in e2e", mb) for s, mb in e2e["peak_rss_mb"].items()]
    for name, mb in rss:
        limit = TARGETS["rss_enrich_mb"] if name.startswith("enrich") else TARGETS["rss_mb"]
        row(f"peak RSS (VmHWM): {name}", _f(mb, " MB", 0), "", "", f"< {limit:.0f} MB",
            judge(mb < limit if mb else None))
    if search:
        row(f"GET /search with facets, {search['docs']} docs, median (p95) / ES alone on the same bodies",
            f"{_f(search['api_median_ms'], ' ms')} ({_f(search['api_p95_ms'], ' ms')})",
            f"{_f(search['es_median_ms'], ' ms')} ({_f(search['es_p95_ms'], ' ms')})",
            _f(search["api_median_ms"] / search["es_median_ms"], "", 2), "", "info")
    p = r.get("profile_enrich")
    if p:
        row(f"profile: enrich_batch under pyinstrument ({p['articles']} art)", _f(p["rate"], " art/s"),
            "", "", "", "info")
    status = r.get("sections") or {}
    for name, err in (r.get("errors") or {}).items():
        row(f"{status.get(name, 'failed').upper()}: section {name}", err[:120], "", "", "", "FAIL")
    return out


def print_report(r: dict[str, Any]) -> None:
    table = r["table"]
    title = (f"newsflow bench: N={r['n']} (tag {r['tag']}), corpus {r.get('corpus', {}).get('unique_pages')} real "
             f"pages, {r.get('wall_seconds')} s wall")
    try:
        from rich.console import Console
        from rich.table import Table

        t = Table(title=title, show_lines=False)
        for col in ("check", "measured", "limit", "ratio", "target", "result"):
            t.add_column(col, overflow="fold")
        for row in table:
            style = {"PASS": "green", "FAIL": "red"}.get(row["result"], "")
            t.add_row(*[row[k] for k in ("check", "measured", "limit", "ratio", "target")],
                      f"[{style}]{row['result']}[/]" if style else row["result"])
        Console(width=200).print(t)
    except ImportError:
        print(title)
        for row in table:
            print(" | ".join(row.values()))
    p = r.get("profile_enrich")
    if p:
        print(f"\nprofile of Enricher.enrich_batch: {p['articles']} articles in {p['seconds']:.1f} s")
        print("top functions by self time:")
        for f in p["top_self"]:
            print(f"  {f['share'] * 100:5.1f}%  {f['seconds']:7.2f}s  {f['function']}")
        print("pyinstrument call tree (first lines):")
        for line in p.get("pyinstrument_text", [])[:45]:
            print("  " + line)
        print("top spaCy/thinc/enrich/pydantic functions by cumulative time:")
        for f in p["top_cumulative"]:
            print(f"  {f['share'] * 100:5.1f}%  {f['seconds']:7.2f}s  {f['function']}")
    notes = (r.get("corpus") or {}).get("notes")
    if notes:
        print("corpus notes:", "; ".join(notes))
    if r.get("cleanup_problems"):
        print("clean-up problems:", r["cleanup_problems"])
