"""Tests of faceparse.jobs.speed."""

from __future__ import annotations

from faceparse.jobs.speed import bench, cpu_line, fastest_backends, machine_line, speed_table


def test_bench_times_each_network_and_backend_and_tables_them():
    rows = bench(["student"], size=64, batches=(1,), repeats=1)
    backends = {r.backend for r in rows}
    assert {r.network for r in rows} == {"student"} and "torch fp32" in backends
    assert all(r.batch == 1 and r.ms_per_image > 0 for r in rows)
    table = speed_table(rows)
    assert table.count("| student |") == len(backends)
    winner = min(rows, key=lambda r: r.ms_per_image).backend
    assert f"- student, batch 1: **{winner}**" in fastest_backends(rows)


def test_the_machine_line_names_the_cpu_and_its_vector_flags():
    line = machine_line()
    assert cpu_line() in line and "cores" in line and "torch" in line
    assert "(" in cpu_line()  # the flags, or "no AVX2"
