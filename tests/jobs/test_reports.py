"""Tests of faceparse.jobs.reports."""

from __future__ import annotations

import datetime

from faceparse.jobs.reports import provenance, table_head, write_section


def test_a_section_is_replaced_and_what_a_person_wrote_stays(tmp_path):
    page = tmp_path / "R.md"
    write_section(page, "# measured", "first")
    page.write_text("# Title\n\nWritten by hand.\n\n" + page.read_text().split("\n", 2)[2])
    write_section(page, "# measured", "second")
    text = page.read_text()
    assert text.startswith("# Title\n\nWritten by hand.") and "first" not in text
    assert text.endswith("# measured\n\nsecond\n")


def test_provenance_names_the_command_machine_and_date_and_tables_get_a_rule():
    lines = provenance("benchmarks/x.py", ["--shared", "../my data"]).splitlines()
    assert lines[0] == "Command: `.venv/bin/python benchmarks/x.py --shared '../my data'`  "
    assert lines[1].startswith("Machine: ") and "cores" in lines[1]
    assert lines[2] == f"Date: {datetime.date.today()}  "
    assert table_head("a", "b") == ["| a | b |", "|---|---|"]
