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
