#!/usr/bin/python3
"""Writes the constructed studies the report tests read (run once; the files are
committed). Each smell is built to have one known verdict:
  model-reuse  +15 % time and energy, +40 % memory, same accuracy  -> HIDDEN COST
  minibatch    accuracy 5 pp lower, more memory                    -> VISIBLE
  libpath      nothing changes                                     -> NO COST
  parallelism  7 of 10 runs fail                                   -> INCONCLUSIVE
study.csv is hmlcost's own CSV; codecarbon.csv is a CodeCarbon 2.x emissions.csv
of the same design with the arm in project_name (no accuracy column)."""
import csv, random

rnd = random.Random(5)
GRID = 475.0  # g/kWh
arms = [  # name, smell, time factor, rss factor, accuracy shift, failures
    ("baseline", "", 1.00, 1.00, 0.0, 0),
    ("model-reuse", "model-reuse", 1.15, 1.40, 0.0, 0),
    ("minibatch", "minibatch", 1.02, 1.60, -0.05, 0),
    ("libpath", "libpath", 1.00, 1.00, 0.0, 0),
    ("parallelism", "parallelism", 1.10, 1.05, 0.0, 7),
]
OURS = ["timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions",
        "emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy",
        "ram_energy", "energy_consumed", "country_name", "country_iso_code", "cpu_count",
        "cpu_model", "gpu_count", "gpu_model", "ram_total_size", "pue", "arm", "smell",
        "baseline", "order", "status", "reason", "accuracy", "final_loss", "images_per_s",
        "user_s", "sys_s", "cpu_s", "peak_rss_bytes", "gpu_mem_bytes", "energy_method",
        "cpu_energy_method", "gpu_energy_method", "ram_energy_method", "emissions_method"]
CC = ["timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions",
      "emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy",
      "ram_energy", "energy_consumed", "country_name", "country_iso_code", "region",
      "cloud_provider", "cloud_region", "os", "python_version", "codecarbon_version",
      "cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude", "latitude",
      "ram_total_size", "tracking_mode", "on_cloud", "pue"]

rows, cc_rows = [], []
order = 0
for rnd_i in range(10):  # interleaved: every arm once per round
    for name, smell, tf, rf, acc_shift, failures in arms:
        ok = rnd_i >= failures
        wall = 30.0 * tf * rnd.gauss(1, 0.015)
        cpu_w = 28.0 * rnd.gauss(1, 0.01)
        cpu_j = cpu_w * wall
        ram_w = 0.375 * 3.0 * rf
        ram_j = ram_w * wall
        kwh = (cpu_j + ram_j) / 3.6e6
        acc = 0.712 + acc_shift + rnd.gauss(0, 0.002)
        rss = 310e6 * rf * rnd.gauss(1, 0.01)
        ts = f"2025-03-01T10:{order // 60:02d}:{order % 60:02d}"
        r = dict.fromkeys(OURS, "")
        r.update(timestamp=ts, project_name="constructed study", run_id=str(order + 1),
                 experiment_id="1", country_name="World", country_iso_code="WLD",
                 cpu_count=8, cpu_model="Constructed CPU", gpu_count=0, gpu_model="",
                 ram_total_size=16.0, pue=1.0, arm=name, smell=smell,
                 baseline="" if not smell else "baseline", order=order,
                 status="ok" if ok else "failed", reason="" if ok else "exit status 1")
        if ok:
            r.update(duration=f"{wall:.4f}", emissions=f"{kwh * GRID / 1000:.6e}",
                     emissions_rate=f"{kwh * GRID / 1000 / wall:.6e}",
                     cpu_power=f"{cpu_w:.3f}", gpu_power="", ram_power=f"{ram_w:.4f}",
                     cpu_energy=f"{cpu_j / 3.6e6:.6e}", gpu_energy="",
                     ram_energy=f"{ram_j / 3.6e6:.6e}", energy_consumed=f"{kwh:.6e}",
                     accuracy=f"{acc:.4f}", final_loss=f"{0.82 + rnd.gauss(0, 0.01):.4f}",
                     images_per_s=f"{10000 / (wall * 0.8):.1f}", user_s=f"{wall * 3.6:.3f}",
                     sys_s=f"{wall * 0.1:.3f}", cpu_s=f"{wall * 3.7:.3f}",
                     peak_rss_bytes=f"{rss:.0f}",
                     energy_method="rapl+estimate:ram-0.375W-per-GiB", cpu_energy_method="rapl",
                     ram_energy_method="estimate:ram-0.375W-per-GiB", emissions_method="derived")
        rows.append(r)
        if ok:
            c = dict.fromkeys(CC, "")
            c.update({k: r[k] for k in CC if k in r})
            c.update(project_name=name, run_id=f"5b0e{order:04d}-cc", experiment_id="e1",
                     gpu_energy="0.0", gpu_power="0.0", os="Linux", python_version="3.12.3",
                     codecarbon_version="2.3.4", tracking_mode="machine", on_cloud="N",
                     region="", longitude="", latitude="")
            cc_rows.append(c)
        order += 1

for path, cols, data in (("fixtures/study.csv", OURS, rows), ("fixtures/codecarbon.csv", CC, cc_rows)):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(data)
