#!/usr/bin/python3
"""openapi_check.py - checks an OpenAPI 3.1 document (the file given) with
the json module against the rules of the OpenAPI Specification 3.1.0 that
powerpark's document uses, and prints one line per problem; exits 1 when
there is one. With --validator it validates with openapi-spec-validator
instead (not a Debian 12 package: run it only where it is installed).

The rules checked (OAS 3.1.0, sections 4.8.x):
  - openapi is "3.1.x"; info has title and version (strings); paths,
    components or webhooks is present;
  - each path starts with "/"; a Path Item has only its fixed fields;
  - an Operation's operationId is unique in the document; its responses
    are keyed "default", a status code or a range "1XX".."5XX", each with a
    description;
  - a Parameter has name and in (query, header, path, cookie), a schema or
    content, and a path parameter is required;
  - a Request Body has content; a Media Type's key is a media type;
  - a Security Requirement names only declared security schemes;
  - every "$ref" of the document resolves inside it;
  - component names match ^[a-zA-Z0-9.\\-_]+$.
"""
import json
import re
import sys

PATH_ITEM = {"$ref", "summary", "description", "get", "put", "post", "delete", "options",
             "head", "patch", "trace", "servers", "parameters"}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
STATUS = re.compile(r"^(default|[1-5][0-9][0-9]|[1-5]XX)$")
COMPONENT = re.compile(r"^[a-zA-Z0-9.\-_]+$")
MEDIA = re.compile(r"^[a-z*]+/[a-zA-Z0-9.+*-]+(;.*)?$")


def refs(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out.append(v)
            else:
                refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)


def resolve(doc, ref):
    if not ref.startswith("#/"):
        return False
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def check(doc):
    bad = []
    if not re.match(r"^3\.1\.\d+$", str(doc.get("openapi", ""))):
        bad.append("openapi: %r is not 3.1.x" % doc.get("openapi"))
    info = doc.get("info", {})
    for k in ("title", "version"):
        if not isinstance(info.get(k), str):
            bad.append("info.%s: a string is required" % k)
    if not any(k in doc for k in ("paths", "components", "webhooks")):
        bad.append("none of paths, components, webhooks")
    schemes = doc.get("components", {}).get("securitySchemes", {})
    for kind, names in doc.get("components", {}).items():
        for n in names:
            if not COMPONENT.match(n):
                bad.append("components.%s.%s: not a valid name" % (kind, n))
    ids = {}
    for path, item in doc.get("paths", {}).items():
        if not path.startswith("/"):
            bad.append("path %s: does not start with /" % path)
        for k in item:
            if k not in PATH_ITEM and not k.startswith("x-"):
                bad.append("%s: %s is not a Path Item field" % (path, k))
        for m in METHODS & set(item):
            op, at = item[m], "%s %s" % (m.upper(), path)
            oid = op.get("operationId")
            if oid in ids:
                bad.append("%s: operationId %s also on %s" % (at, oid, ids[oid]))
            ids[oid] = at
            for code, r in op.get("responses", {}).items():
                if not STATUS.match(code):
                    bad.append("%s: response key %s" % (at, code))
                if not isinstance(r.get("description"), str):
                    bad.append("%s %s: no description" % (at, code))
                for mt in r.get("content", {}):
                    if not MEDIA.match(mt):
                        bad.append("%s %s: media type %s" % (at, code, mt))
            for p in op.get("parameters", []):
                if not p.get("name") or p.get("in") not in ("query", "header", "path", "cookie"):
                    bad.append("%s: a parameter without name or in: %s" % (at, p))
                if ("schema" in p) == ("content" in p):
                    bad.append("%s: parameter %s needs schema or content" % (at, p.get("name")))
                if p.get("in") == "path" and p.get("required") is not True:
                    bad.append("%s: path parameter %s not required" % (at, p.get("name")))
            rb = op.get("requestBody")
            if rb is not None and not rb.get("content"):
                bad.append("%s: requestBody without content" % at)
            for req in op.get("security", []):
                for name in req:
                    if name not in schemes:
                        bad.append("%s: security scheme %s not declared" % (at, name))
    found = []
    refs(doc, found)
    for r in found:
        if not resolve(doc, r):
            bad.append("$ref %s does not resolve" % r)
    return bad, len(ids), len(found)


def main():
    if sys.argv[1] == "--validator":
        from openapi_spec_validator import validate
        from openapi_spec_validator.readers import read_from_filename
        spec, _ = read_from_filename(sys.argv[2])
        validate(spec)  # raises on the first error
        print("openapi-spec-validator: valid")
        return 0
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    bad, nops, nrefs = check(doc)
    for b in bad:
        print(b)
    print("%d operations, %d $refs, %d problems" % (nops, nrefs, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
