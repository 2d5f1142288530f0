"""The files stages hand each other, as typed records: each read with `from_json` (checked once,
where it enters) and written with `to_json`, so no stage re-derives another's dict."""
