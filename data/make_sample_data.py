"""Write the bundled sample time series: one synthetic week at an ERCOT-West-like site.

Run ``python data/make_sample_data.py`` from anywhere: it rewrites, bit for bit, the CSV
files in ``dispatch/sample_data/`` (package data, so they ship in the wheel) for 2026-08-17
00:00 to 2026-08-24 00:00 America/Chicago
(Monday to Sunday, 672 fifteen-minute intervals, 7 daily rows).  The numbers are made up
(seeded ``numpy.random.default_rng``), shaped after public descriptions of ERCOT West summer
prices; nothing is copied from real data.

Calibration: the sample site's mining breakevens at a hashprice of 50 USD/PH/day and a 2 %
pool fee are about 117 (S21), 95 (S19 XP) and 69 (S19j Pro) USD/MWh.  Prices sit below
69 most of the time (cheap nights, a midday solar dip with negative intervals), cross the
breakevens on the evening ramp, and spike to thousands of USD/MWh on Monday evening (the
sample site's demand-response event is on Monday 16:00-18:00).

HPC load: three halls (``training``, ``inference``, ``phase2``, see :func:`hpc_load`).  The
training halls are calibrated on the real H100 node trace in ``../shared/data`` (measured once
by :func:`calibrate_from_h100_trace`; the numbers are constants below) and scaled to a hall
under stated assumptions; nothing of the trace is copied.  Jobs start and stop (tens of MW
within an hour), checkpoints dip, interruptions restart; the inference hall follows a daily
shape; the second phase energises on Wednesday.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20260817
TZ = "America/Chicago"
START, END = "2026-08-17", "2026-08-24"
HERE = Path(__file__).resolve().parents[1] / "dispatch" / "sample_data"

#: Typical hourly price by local hour, USD/MWh (before the day's factor and noise).
HOURLY_SHAPE = np.array([
    30, 27, 25, 24, 24, 26,   # 00-05 cheap nights
    32, 38, 36, 28, 14, 4,    # 06-11 morning, then solar pushes prices down
    -6, -10, -4, 12, 34, 58,  # 12-17 midday dip, afternoon ramp
    96, 122, 104, 72, 48, 36,  # 18-23 evening peak as solar fades
], dtype=float)  # fmt: skip

#: Scarcity spikes: (local start, 15-minute prices in USD/MWh).
SPIKES = {
    "2026-08-17 17:00": [820, 1650, 3200, 4650, 4300, 2600, 1250, 560],  # Monday evening
    "2026-08-19 19:15": [310, 640, 520, 260],  # Wednesday, smaller
    "2026-08-21 18:30": [280, 450, 390],  # Friday, smaller
}


def intervals(freq: str) -> pd.DatetimeIndex:
    """Interval starts of the sample week in the site's timezone."""
    start = pd.Timestamp(START).tz_localize(TZ)
    end = pd.Timestamp(END).tz_localize(TZ)
    return pd.date_range(start, end, freq=freq, inclusive="left")


def prices(rng: np.random.Generator, idx: pd.DatetimeIndex) -> np.ndarray:
    """15-minute energy prices: hourly shape x day factor, hourly noise, 15-minute noise."""
    days = len(idx) // 96
    peak_factor = rng.uniform(0.8, 1.3, days)  # hot days have dearer evenings
    solar_depth = rng.uniform(0.6, 1.6, days)  # sunny, windy days push midday lower
    solar_depth[5:] += 1.2  # weekend: low load, the dip goes deeper (negative hours)
    hourly = np.empty(days * 24)
    for d in range(days):
        shape = HOURLY_SHAPE.copy()
        shape[16:22] *= peak_factor[d]
        shape[10:15] = np.minimum(shape[10:15], shape[10:15] * solar_depth[d])
        hourly[d * 24 : (d + 1) * 24] = shape + rng.normal(0.0, 4.0, 24)
    quarter = np.repeat(hourly, 4)
    quarter += rng.normal(0.0, 1.5 + 0.05 * np.abs(quarter))
    quarter = np.maximum(quarter, -45.0)
    for start, values in SPIKES.items():
        pos = idx.get_loc(pd.Timestamp(start).tz_localize(TZ))
        quarter[pos : pos + len(values)] = np.asarray(values) + rng.normal(0.0, 15.0, len(values))
    return quarter


def hashprice(rng: np.random.Generator, days: pd.DatetimeIndex) -> np.ndarray:
    """Daily hashprice, USD/PH/day: a small random walk around 50."""
    steps = rng.normal(0.0, 0.9, len(days))
    return np.clip(50.5 + np.cumsum(steps), 48.0, 53.0)


# --- HPC load --------------------------------------------------------------------------------
#
# Calibration from the real H100 trace (../shared/data/gpu_h100x8_training_power_100ms.csv,
# GPU board power of one 8-GPU node, 4 runs of ~700 s at ~100 ms), measured once with
# ``python data/make_sample_data.py --calibrate ../shared/data/gpu_h100x8_training_power_100ms.csv``
# (see :func:`calibrate_from_h100_trace` for the method) and pasted here; the generator does
# not read the trace.  What that run prints, summarised:
#
#   full training power (median of the samples above 75 % of the run's max): 4,382-4,421 W
#     (~550 W per GPU); run_ckpt1, which checkpoints every step, never exceeds 1,842 W
#   idle node (first 5 s, no job): 0.13-0.14 of full
#   job loaded, not computing yet (20-90 s): 0.21 of full
#   checkpoint dips (below 50 % of full, > 5 s): 19 dips at 0.27-0.28 of full, lasting
#     15.8-22.5 s (55.6-56.1 s in the late dips of run_ckpt100)
#   steady training, 100 ms samples: p5 0.91-0.97, p95 1.03, std 0.04-0.07 of full
#   median GPU utilisation while training: 90 %
GPU_IDLE_FRAC = 0.13  # of full training GPU power: node powered, no job
GPU_WARM_FRAC = 0.21  # job loaded, not computing (start, restart)
GPU_CKPT_FRAC = 0.28  # while writing a checkpoint
GPU_STEP_STD_FRAC = 0.05  # 100 ms swing while training (averages out within 15 minutes)
# Scaling a node to a hall (assumptions, not in the trace, which holds GPU board power only):
#: Share of a training node's IT power at full training that is not GPU board power (CPUs,
#: memory, NICs, fans, storage, the network fabric); taken as flat.  A DGX H100 is rated
#: 10.2 kW with 8 x 700 W GPUs; at the ~550 W per GPU measured here, GPUs are ~60 % of it.
NON_GPU_FRAC = 0.4
#: Checkpoint period and duration of a multi-thousand-GPU job: the trace's one node writes its
#: checkpoint in 16-56 s; a hall-scale job writing to shared storage takes a minute or two.
#: At 15 minutes a checkpoint is a dip of (1 - 0.28) x 0.6 x 1-2 min / 15 min = 3-6 % of
#: the job's power: the 100 ms swings of the trace average out.
CKPT_EVERY_MIN = (50, 70)
CKPT_MINUTES = (1, 2)
#: Unexpected interruptions per job hour, and the restart from the last checkpoint (nodes at
#: idle, then loading).  Llama 3 (16,384 H100s) saw one every ~3 hours; the sample keeps one
#: per ~20 hours per job, far fewer than a hall this size would see, to stay readable.
INTERRUPTS_PER_HOUR = 0.05
RESTART_MINUTES = (15, 40)
WARMUP_MINUTES = (5, 12)


#: IT load of a training hall as a fraction of nameplate, from the GPU fraction of its nodes.
def hall_frac(gpu_frac: np.ndarray | float) -> np.ndarray | float:
    return NON_GPU_FRAC + (1.0 - NON_GPU_FRAC) * gpu_frac


#: IT nameplate of each hall, MW (``it_load_mw`` in sample_site.yaml) and its PUE.
HALLS_IT_MW = {"training": 48.0, "inference": 12.0, "phase2": 12.0}
PUE = {"training": 1.25, "inference": 1.3, "phase2": 1.25}
#: Jobs of the training halls: (hall, local start, local end, share of the hall's nodes).
#: Outside jobs, nodes idle.  Monday's big job starts at 09:30 into a site at its import limit.
JOBS = [
    ("training", "2026-08-16 06:00", "2026-08-18 13:45", 0.35),
    ("training", "2026-08-17 09:30", "2026-08-19 02:30", 0.60),
    ("training", "2026-08-18 17:15", "2026-08-22 08:00", 0.35),
    ("training", "2026-08-19 07:45", "2026-08-21 19:30", 0.60),
    ("training", "2026-08-22 13:00", "2026-08-24 00:00", 0.95),
    ("phase2", "2026-08-20 09:00", "2026-08-24 00:00", 0.90),
]
#: The new hall phase: dark until Wednesday 10:00, then energised rack row by rack row
#: (one quarter per hour) into a full-power burn-in until 22:00, idle overnight, first job
#: Thursday 09:00.
PHASE2_ENERGISED = "2026-08-19 10:00"
PHASE2_BURN_IN_END = "2026-08-19 22:00"
#: Inference hall: share of nameplate by local hour (user traffic: a night trough, an
#: afternoon and evening plateau); weekends at 90 % of it.
INFERENCE_SHAPE = np.array([
    0.62, 0.58, 0.55, 0.53, 0.52, 0.54,  # 00-05
    0.60, 0.68, 0.77, 0.85, 0.90, 0.93,  # 06-11
    0.95, 0.96, 0.97, 0.97, 0.96, 0.95,  # 12-17
    0.94, 0.93, 0.90, 0.84, 0.76, 0.68,  # 18-23
])  # fmt: skip


def _minutes(idx: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return pd.date_range(idx[0], idx[-1] + pd.Timedelta(minutes=15), freq="1min", inclusive="left")


def _pos(minutes: pd.DatetimeIndex, when: str) -> int:
    return int(minutes.searchsorted(pd.Timestamp(when).tz_localize(TZ)))


def _job_gpu_frac(rng: np.random.Generator, n: int) -> np.ndarray:
    """GPU power of one job's nodes minute by minute, as a fraction of full training power:
    loading, training with a checkpoint dip every hour or so, interruptions and restarts."""
    gpu = np.ones(n)
    gpu[: int(rng.integers(*WARMUP_MINUTES))] = GPU_WARM_FRAC
    pos = int(rng.integers(*CKPT_EVERY_MIN))
    while pos < n:
        gpu[pos : pos + int(rng.integers(*CKPT_MINUTES, endpoint=True))] = GPU_CKPT_FRAC
        pos += int(rng.integers(*CKPT_EVERY_MIN))
    for _ in range(rng.poisson(INTERRUPTS_PER_HOUR * n / 60)):
        at = int(rng.integers(30, max(31, n - 30)))
        down = int(rng.integers(*RESTART_MINUTES))
        warm = int(rng.integers(*WARMUP_MINUTES))
        gpu[at : at + down] = GPU_IDLE_FRAC
        gpu[at + down : at + down + warm] = GPU_WARM_FRAC
    return gpu


def hpc_load(rng: np.random.Generator, idx: pd.DatetimeIndex, halls: dict[str, float]) -> dict:
    """IT load per hall, MW, at 15 minutes (means of a minute-by-minute profile).

    - ``training``: jobs from :data:`JOBS` on shares of the hall's nodes, each shaped by
      :func:`_job_gpu_frac`; idle nodes draw ``hall_frac(GPU_IDLE_FRAC)`` (48 %) of nameplate.
    - ``inference``: :data:`INFERENCE_SHAPE` with 2 % noise.
    - ``phase2``: nothing until :data:`PHASE2_ENERGISED`, then a burn-in, then its jobs.
    """
    minutes = _minutes(idx)
    n = len(minutes)
    out = {}
    for hall in ("training", "phase2"):
        busy = np.zeros(n)  # share of nodes in a job
        gpu = np.zeros(n)  # their GPU fraction, share-weighted
        for name, start, end, share in JOBS:
            if name != hall:
                continue
            a, b = _pos(minutes, start), _pos(minutes, end)
            before = int((minutes[0] - pd.Timestamp(start).tz_localize(TZ)).total_seconds() // 60)
            busy[a:b] += share  # a job running when the week starts began before it
            gpu[a:b] += share * _job_gpu_frac(rng, b - a + max(before, 0))[max(before, 0) :]
        frac = hall_frac(gpu + (1.0 - busy) * GPU_IDLE_FRAC)
        if hall == "phase2":  # dark, then a quarter of the racks more each hour (burn-in)
            on, burn_end = _pos(minutes, PHASE2_ENERGISED), _pos(minutes, PHASE2_BURN_IN_END)
            frac[:on] = 0.0
            frac[on:burn_end] = np.minimum(np.arange(burn_end - on) // 60 + 1, 4) / 4
        frac = frac * (1.0 + rng.normal(0.0, 0.004, n))  # what is left of the step swings
        out[hall] = frac.reshape(-1, 15).mean(axis=1) * halls[hall]
    hour = idx.hour.to_numpy()
    weekend = np.where(idx.day_of_week.to_numpy() >= 5, 0.9, 1.0)
    shape = INFERENCE_SHAPE[hour] * weekend * (1.0 + rng.normal(0.0, 0.02, len(idx)))
    out["inference"] = np.clip(shape, 0.0, 1.0) * halls["inference"]
    return {hall: np.clip(out[hall], 0.0, halls[hall]) for hall in halls}


def cp_probability(rng: np.random.Generator, idx: pd.DatetimeIndex) -> np.ndarray:
    """Coincident-peak probability: weekdays 15:00-18:00 local, peaking 16:30-17:00."""
    prob = np.zeros(len(idx))
    local_hour = idx.hour + idx.minute / 60
    window = (local_hour >= 15) & (local_hour < 18) & (idx.day_of_week < 5)
    bell = np.exp(-0.5 * ((local_hour - 16.75) / 0.4) ** 2)
    for day in np.unique(idx.normalize()[window]):
        today = window & (idx.normalize() == day)
        prob[today] = rng.uniform(0.02, 0.035) * bell[today]
    return prob


def write(name: str, index: pd.DatetimeIndex | list[str], columns: dict[str, np.ndarray]) -> None:
    """One CSV with two-decimal (probabilities: four-decimal) values and ``\\n`` line ends."""
    first = "date" if isinstance(index, list) else "interval_start"
    stamps = index if isinstance(index, list) else [ts.isoformat() for ts in index]
    lines = [",".join([first, *columns])]
    digits = {col: 4 if col == "cp_probability" else 2 for col in columns}
    for row, stamp in enumerate(stamps):
        cells = [f"{columns[col][row]:.{digits[col]}f}" for col in columns]
        lines.append(",".join([stamp, *cells]))
    (HERE / name).write_text("\n".join(lines) + "\n")


def main() -> None:
    rng = np.random.default_rng(SEED)
    idx = intervals("15min")
    days = intervals("D")
    price = prices(rng, idx)
    write("sample_prices.csv", idx, {"price_usd_per_mwh": price})
    write(
        "sample_hashprice.csv",
        [f"{day:%Y-%m-%d}" for day in days],
        {"hashprice_usd_per_ph_day": hashprice(rng, days)},
    )
    halls = hpc_load(np.random.default_rng(SEED + 1), idx, HALLS_IT_MW)
    write("sample_hpc_load.csv", idx, halls)
    cp = cp_probability(rng, idx)
    write("sample_cp_probability.csv", idx, {"cp_probability": cp})
    total = sum(halls[h] * PUE[h] for h in halls)
    print(
        "hpc: "
        + ", ".join(f"{h} {v.min():.1f}-{v.max():.1f} MW IT" for h, v in halls.items())
        + f"; at the meter {total.min():.1f}-{total.max():.1f} MW, largest 1-hour rise "
        f"{np.max(total[4:] - total[:-4]):.1f} MW"
    )
    print(
        f"prices: median {np.median(price):.1f}, min {price.min():.1f}, max {price.max():.0f}, "
        f"share below 69/95/117: {(price < 69).mean():.0%}/{(price < 95).mean():.0%}/"
        f"{(price < 117).mean():.0%}; cp weekly sum {cp.sum():.2f}"
    )


def calibrate_from_h100_trace(path: str | Path) -> None:
    """Print the numbers the training-hall shape is calibrated on (pasted above as constants).

    Per run of the trace (``node_gpu_total_w``, GPU board power of one 8-GPU node):
    *full* = median of the samples above 75 % of the run's maximum; *idle* = median of the
    first 5 s (no job yet); *loaded* = median of 20-90 s (job loaded, not computing);
    *dips* = runs of samples below 50 % of full between the first and the last sample above
    2 kW lasting more than 5 s: their median level and duration; *steady* = the 5th and 95th
    percentiles and the standard deviation of the samples above 50 % of full, over full.
    """
    trace = pd.read_csv(path)
    for run, g in trace.groupby("run_id", sort=True):
        w, t = g["node_gpu_total_w"].to_numpy(), g["elapsed_s"].to_numpy()
        full = float(np.median(w[w > 0.75 * w.max()]))
        idle, loaded = np.median(w[t < 5]), np.median(w[(t > 20) & (t < 90)])
        hot = np.flatnonzero(w > 2000)
        line = f"{run}: full {full:,.0f} W, idle {idle / full:.2f}, loaded {loaded / full:.2f}"
        if len(hot):
            span, ts = w[hot[0] : hot[-1] + 1], t[hot[0] : hot[-1] + 1]
            low = span < 0.5 * full
            edges = np.diff(np.r_[0, low.astype(int), 0])
            dips = [
                (ts[min(b, len(ts) - 1)] - ts[a], float(np.median(span[a:b])))
                for a, b in zip(
                    np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True
                )
                if ts[min(b, len(ts) - 1)] - ts[a] > 5
            ]
            steady = span[~low] / full
            line += (
                f", dips {len(dips)}: "
                + ", ".join(f"{d:.1f} s at {lv / full:.2f}" for d, lv in dips)
                + f"; steady p5 {np.percentile(steady, 5):.2f} p95 "
                f"{np.percentile(steady, 95):.2f} std {steady.std():.2f}, GPU utilisation "
                f"{np.median(g['mean_gpu_util_pct'].to_numpy()[hot[0] : hot[-1] + 1][~low]):.0f} %"
            )
        print(line)


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--calibrate"]:
        calibrate_from_h100_trace(sys.argv[2])
    else:
        main()
