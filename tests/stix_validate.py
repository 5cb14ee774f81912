#!/usr/bin/env python3
"""Validate STIX 2.1 bundles against the OASIS STIX 2.1 JSON schemas, offline.

    stix_validate.py SCHEMA_DIR BUNDLE.json...

SCHEMA_DIR is the checkout of oasis-open/cti-stix2-json-schemas (the directory holding
schemas/). Every $ref resolves inside it (no network). Each bundle is checked against
common/bundle.json and every object against the schema of its type (SDOs, SROs, SCOs).
Exits 1 with the first error of each bad bundle, 0 when all are valid. Used by the pivot and
corroborate STIX tests."""
import json
import pathlib
import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)
import jsonschema  # noqa: E402

SDOS = {"attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident",
        "indicator", "infrastructure", "intrusion-set", "location", "malware", "malware-analysis",
        "note", "observed-data", "opinion", "report", "threat-actor", "tool", "vulnerability"}
SROS = {"relationship", "sighting"}


def load(root):
    store = {}
    for p in pathlib.Path(root, "schemas").rglob("*.json"):
        d = json.load(open(p))
        store[d["$id"]] = d
    return store


def checker(store):
    try:  # jsonschema >= 4.18: a registry of the local schemas
        from referencing import Registry, Resource
        reg = Registry().with_resources([(k, Resource.from_contents(v)) for k, v in store.items()])

        def check(s, inst):
            return list(jsonschema.Draft202012Validator(s, registry=reg).iter_errors(inst))
    except ImportError:  # Debian 12's 4.10: a RefResolver over the same local store
        def check(s, inst):
            res = jsonschema.RefResolver(s["$id"], s, store=store)
            return list(jsonschema.Draft202012Validator(s, resolver=res).iter_errors(inst))
    return check


def main(argv):
    store = load(argv[1])
    check = checker(store)

    def schema(tail):
        return store[next(k for k in store if k.endswith(tail))]
    bad = 0
    for path in argv[2:]:
        bundle = json.load(open(path))
        errs = check(schema("common/bundle.json"), bundle)
        for o in bundle.get("objects", []) if not errs else []:
            t = o.get("type", "")
            folder = "sdos" if t in SDOS else "sros" if t in SROS else "observables"
            errs = [(o.get("id"), e) for e in check(schema("%s/%s.json" % (folder, t)), o)]
            if errs:
                break
        if errs:
            print("stix_validate: %s: %s" % (path, str(errs[0])[:400]))
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv))
