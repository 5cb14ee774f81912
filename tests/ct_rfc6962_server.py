#!/usr/bin/env python3
"""RFC 6962 face of a static-ct-api fixture log (written by ch_ct_writer), for tests.

Serves GET /<mode>/<log dir>/ct/v1/{get-sth,get-entries,get-sth-consistency,get-proof-by-hash,
get-roots} on
127.0.0.1 from the log directory's checkpoint, tiles and issuers: the STH signature is the
checkpoint's RFC6962NoteSignature (static-ct-api says the two convert into each other), entries
are rebuilt from the data tiles, proofs are computed from the level-0 tiles (RFC 6962 2.1.2).

<mode> makes the server hostile in transport only (the data stays honest):
  ok     answer normally
  429    answer 429 to the first request for each URL
  drop   close the connection without answering the first request for each URL
  stall  wait 3 s before answering the first request for each URL
  page   answer at most 7 entries per get-entries (the log's own page size)
  slow   wait 0.25 s before answering every request (a log far away)
or lies about proofs by hash (everything else stays honest):
  lieproof  get-proof-by-hash: one bit of the audit path's last hash flipped
  lieindex  get-proof-by-hash: the leaf's real audit path, under leaf_index - 1
  dupleaf   get-entries of the last entry alone serves entry 0 (as if the log held the same
            leaf twice: get-proof-by-hash then honestly names index 0)

usage: ct_rfc6962_server.py ROOT PORT
"""
import base64
import hashlib
import json
import os
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ROOT = sys.argv[1]
SEEN = set()
LOCK = threading.Lock()


def tile_path(kind, n, width):
    parts = []
    while True:
        parts.append("%03d" % (n % 1000))
        n //= 1000
        if n == 0:
            break
    parts.reverse()
    p = "/".join(["x" + x for x in parts[:-1]] + [parts[-1]])
    return "tile/%s/%s%s" % (kind, p, "" if width == 256 else ".p/%d" % width)


def read_tile(d, kind, n, size):
    width = 256 if (n + 1) * 256 <= size else size % 256
    path = os.path.join(d, tile_path(kind, n, width))
    if not os.path.exists(path):
        path = os.path.join(d, tile_path(kind, n, 256))
    with open(path, "rb") as f:
        return f.read(), width


def checkpoint(d):
    text = open(os.path.join(d, "checkpoint"), encoding="utf-8").read()
    body, sigs = text.rsplit("\n\n", 1)
    lines = body.split("\n")
    size, root = int(lines[1]), lines[2]
    sig = base64.b64decode(sigs.strip().split(" ")[-1])
    ts = struct.unpack(">Q", sig[4:12])[0]
    return {"tree_size": size, "timestamp": ts, "sha256_root_hash": root,
            "tree_head_signature": base64.b64encode(sig[12:]).decode()}


def u(b, off, n):
    return int.from_bytes(b[off:off + n], "big"), off + n


def entries(d, start, end, size):
    out = []
    i = start - start % 256
    while i <= end:
        data, width = read_tile(d, "data", i // 256, size)
        off = 0
        for j in range(width):
            idx = i + j
            te_start = off
            off += 8
            etype, off = u(data, off, 2)
            if etype == 0:
                n, off = u(data, off, 3)
                off += n
            else:
                off += 32
                n, off = u(data, off, 3)
                off += n
            n, off = u(data, off, 2)
            off += n
            te = data[te_start:off]
            pre = b""
            if etype == 1:
                n, off = u(data, off, 3)
                pre = data[off - 3:off + n]
                off += n
            n, off = u(data, off, 2)
            chain = b""
            for k in range(n // 32):
                fp = data[off + 32 * k:off + 32 * k + 32].hex()
                c = open(os.path.join(d, "issuer", fp), "rb").read()
                chain += len(c).to_bytes(3, "big") + c
            off += n
            if start <= idx <= end:
                extra = pre + len(chain).to_bytes(3, "big") + chain
                out.append({"leaf_input": base64.b64encode(b"\0\0" + te).decode(),
                            "extra_data": base64.b64encode(extra).decode()})
        i += 256
    return out


def leaf_hashes(d, size):
    hs = []
    for n in range((size + 255) // 256):
        data, width = read_tile(d, "0", n, size)
        hs += [data[32 * k:32 * k + 32] for k in range(width)]
    return hs[:size]


def mth(h):
    if len(h) == 1:
        return h[0]
    k = 1
    while k * 2 < len(h):
        k *= 2
    return hashlib.sha256(b"\1" + mth(h[:k]) + mth(h[k:])).digest()


def path(m, h):
    """PATH(m, D[n]) of RFC 6962 2.1.1: the audit path of leaf m."""
    n = len(h)
    if n <= 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return path(m, h[:k]) + [mth(h[k:])]
    return path(m - k, h[k:]) + [mth(h[:k])]


def proof_by_hash(d, mode, leaf, size):
    """get-proof-by-hash: the first leaf with that hash, as a log finds it."""
    h = leaf_hashes(d, size)
    if leaf not in h:
        return None
    m = h.index(leaf)
    p = path(m, h)
    if mode == "lieproof" and p:
        p[-1] = bytes([p[-1][0] ^ 1]) + p[-1][1:]
    if mode == "lieindex" and m > 0:
        m -= 1
    return {"leaf_index": m, "audit_path": [base64.b64encode(x).decode() for x in p]}


def subproof(m, h, b):
    n = len(h)
    if m == n:
        return [] if b else [mth(h)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return subproof(m, h[:k], b) + [mth(h[k:])]
    return subproof(m - k, h[k:], False) + [mth(h[:k])]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        mode, name, call = parts[0], parts[1], parts[-1]
        q = {k: int(v[0]) if k != "hash" else v[0] for k, v in parse_qs(url.query).items()}
        with LOCK:
            first = self.path not in SEEN
            SEEN.add(self.path)
        if first and mode == "429":
            return self.send(429, b"slow down")
        if first and mode == "drop":
            self.close_connection = True
            return
        if first and mode == "stall":
            time.sleep(3)
        if mode == "slow":
            time.sleep(0.25)
        d = os.path.join(ROOT, name)
        sth = checkpoint(d)
        size = sth["tree_size"]
        if call == "get-sth":
            out = sth
        elif call == "get-entries":
            end = min(q["end"], size - 1, q["start"] + (6 if mode == "page" else 999))
            if q["start"] > end:
                return self.send(400, b"bad range")
            if mode == "dupleaf" and q["start"] == end == size - 1:
                q["start"] = end = 0
            out = {"entries": entries(d, q["start"], end, size)}
        elif call == "get-sth-consistency":
            if not 0 < q["first"] <= q["second"] <= size:
                return self.send(400, b"bad range")
            h = leaf_hashes(d, q["second"])
            p = [] if q["first"] == q["second"] else subproof(q["first"], h, True)
            out = {"consistency": [base64.b64encode(x).decode() for x in p]}
        elif call == "get-proof-by-hash":
            if not 0 < q["tree_size"] <= size:
                return self.send(400, b"bad tree size")
            out = proof_by_hash(d, mode, base64.b64decode(q["hash"]), q["tree_size"])
            if out is None:
                return self.send(400, b"hash not found")
        elif call == "get-roots":
            out = {"certificates": [base64.b64encode(open(os.path.join(d, "issuer", f), "rb").read()).decode()
                                    for f in sorted(os.listdir(os.path.join(d, "issuer")))]}
        else:
            return self.send(404, b"no such call")
        self.send(200, json.dumps(out).encode())


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
