#!/usr/bin/env bash
# `certhound detect --export-sigma`: valid YAML documents (one per category, one for DNS), each a
# Sigma rule whose regular expressions compile and keep certhound's matching (look-alike hosts
# and programs do not match). Needs python3 with PyYAML, else skipped.
set -u
cli=${CH_CLI:?CH_CLI not set}
python3 -c 'import yaml' 2>/dev/null || { echo "skip: python3 yaml module absent"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$cli" detect --export-sigma > "$out" || { echo "FAIL: exit status $?"; exit 1; }
python3 - "$out" <<'PY'
import re, sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
titles = [d["title"] for d in docs]
assert len(docs) == 5, titles
ids = set()
for d in docs:
    for k in ("title", "id", "logsource", "detection", "level", "tags"):
        assert k in d, (d.get("title"), k)
    assert d["detection"]["condition"] == "1 of sel_*"
    assert "attack.t1596.003" in d["tags"]
    ids.add(d["id"])
assert len(ids) == 5
def sel(cat, field, net=False):
    d = next(d for d in docs if cat in d["title"] and ("DNS" in d["title"]) == net)
    return [re.compile(s[field]) for k, s in d["detection"].items()
            if k != "condition" and field in s]
def any_match(rx, text):
    return any(r.search(text) for r in rx)
ct = sel("CTLogQuery", "CommandLine|re")
for good in ("curl https://crt.sh/?q=x", "CURL HTTPS://CRT.SH/", "wget api.certspotter.com/v1",
             "iwr https://www.crt.sh./x"):
    assert any_match(ct, good), good
for bad in ("curl https://crt.sh.example.org/", "curl https://mycrt.shop/", "curl evil-crt.sh"):
    assert not any_match(ct, bad), bad
img = sel("CertEnumTool", "Image|re")
assert any_match(img, r"C:\Tools\SSLSCAN.EXE") and any_match(img, "/opt/testssl/testssl.sh")
assert not any_match(img, r"C:\Tools\sslyzer.exe")
tok = sel("CertEnumTool", "CommandLine|re")
assert any_match(tok, "python3 -m sslyze example.com") and any_match(tok, "python3 /opt/ctfr/ctfr.py -d x")
assert not any_match(tok, "vim zgrab2-notes.txt")
ossl = sel("OpenSSLProbe", "Image|re")
assert any_match(ossl, "/usr/bin/openssl") and not any_match(ossl, "/usr/bin/opensslx")
dns = sel("CTLogQuery", "query|re", net=True)
assert any_match(dns, "crt.sh") and any_match(dns, "api.certspotter.com")
assert not any_match(dns, "crt.sh.example.org")
print("sigma: %d rules ok" % len(docs))
PY
