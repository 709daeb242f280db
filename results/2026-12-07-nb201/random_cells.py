"""Arm (iv) of the NAS-Bench-201 measurement: 100 cells drawn uniformly at random from the
benchmark's 15,625 (numpy seed 0), and the table's whole distribution for reference. Not a
search: it reads the table, which no search does.

    python3 results/2026-12-07-nb201/random_cells.py ../shared/data/nb201/nb201_tss_200ep_test_acc.csv
"""
import csv
import random
import statistics
import sys

path = sys.argv[1]
with open(path) as f:
    rows = list(csv.DictReader(f))
acc = [float(r["cifar10_test_acc"]) for r in rows]
rng = random.Random(0)
draw = rng.sample(acc, 100)
print(f"cells in the table: {len(acc)}")
print(
    f"100 random cells (seed 0): {statistics.mean(draw):.2f} ± {statistics.stdev(draw):.2f}, "
    f"best {max(draw):.2f}, worst {min(draw):.2f}"
)
print(
    f"all cells: {statistics.mean(acc):.2f} ± {statistics.stdev(acc):.2f}, "
    f"median {statistics.median(acc):.2f}, best {max(acc):.2f}"
)
