import json

from faceparse.jobs.manifest import read_manifest


def test_a_torn_last_line_is_skipped_and_the_rest_read_in_order(tmp_path):
    path = tmp_path / "manifest.jsonl"
    assert read_manifest(path) == []
    lines = [
        json.dumps({"name": "a", "status": "ok"}),
        json.dumps({"name": "b"}),
        '{"name": "c", "st',
    ]
    path.write_text("\n".join(lines))
    assert read_manifest(path) == [{"name": "a", "status": "ok"}, {"name": "b"}]


def test_the_manifest_speaks_one_vocabulary_counts_resumes_and_reads_earlier_statuses(tmp_path):
    import pytest

    from faceparse.errors import FaceparseError
    from faceparse.jobs.manifest import Manifest

    path = tmp_path / "m.jsonl"
    # an earlier run of the 19-class data job wrote its own statuses
    path.write_text('{"name": "a", "status": "fitted"}\n{"name": "b", "status": "no_fit"}\n')
    with Manifest(path) as manifest:
        assert manifest.done("a") == {"name": "a", "status": "ok", "head_fit": True}
        assert manifest.done("b")["head_fit"] is False and manifest.done("c") is None
        manifest.keep()
        manifest.record({"name": "c", "status": "no_face"})
        manifest.record({"name": "d", "status": "failed", "reason": "d.png: truncated"})
        with pytest.raises(FaceparseError, match="status 'written' not in"):
            manifest.record({"name": "e", "status": "written"})
    assert manifest.counts == {"ok": 0, "no_face": 1, "failed": 1, "kept": 1}
    assert [e["name"] for e in manifest.with_status("ok")] == ["a", "b"]
    assert len(read_manifest(path)) == 4  # appended, one line each
