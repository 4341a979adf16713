#!/usr/bin/python3
"""check_links.py -- every link and image of the report's pages must resolve.

usage: check_links.py REPORTS_DIR

Reads every .html file under REPORTS_DIR (the report's own pages and
genhtml's), and for each href/src: an external resource (http:, https:,
//host) is an error (the report must load with no network); a relative
path must name an existing file inside REPORTS_DIR's tree or the repository
(traces live under reports/ too); a #fragment must name an id (or <a name>)
in the target page. Prints one line per page: "ok PAGE" or "FAIL PAGE:
what", then "links: N pages ok, M failed". Exit 1 if any failed.
"""

import os
import sys
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs = []   # (tag, attr, value)
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        for key in ("id", "name"):
            if d.get(key) and (key == "id" or tag == "a"):
                self.ids.add(d[key])
        for attr in ("href", "src"):
            if attr in d and d[attr] is not None:
                self.refs.append((tag, attr, d[attr]))

    handle_startendtag = handle_starttag


_cache = {}


def parse(path):
    if path not in _cache:
        p = Page()
        with open(path, encoding="utf-8", errors="replace") as f:
            p.feed(f.read())
        _cache[path] = p
    return _cache[path]


def check_page(path):
    problems = []
    page = parse(path)
    base = os.path.dirname(path)
    for (tag, attr, value) in page.refs:
        v = value.strip()
        parts = urlsplit(v)
        if parts.scheme in ("http", "https") or v.startswith("//"):
            # A link out is merely unreachable offline; a resource the page
            # loads (image, style, script) would break it.
            if tag != "a":
                problems.append("external resource %s=%s" % (attr, v))
            continue
        if parts.scheme in ("mailto", "data", "javascript"):
            continue
        if parts.scheme and parts.scheme != "file":
            problems.append("unexpected scheme %s" % v)
            continue
        target = path if not parts.path else os.path.normpath(
            os.path.join(base, unquote(parts.path)))
        if not os.path.exists(target):
            problems.append("<%s %s=%s>: no such file %s" % (tag, attr, v, target))
            continue
        if os.path.isdir(target):
            if not os.path.exists(os.path.join(target, "index.html")):
                problems.append("<%s %s=%s>: a directory without index.html" % (tag, attr, v))
            continue
        if tag == "img" and os.path.getsize(target) == 0:
            problems.append("<img src=%s>: empty file" % v)
        if parts.fragment and target.endswith(".html"):
            frag = unquote(parts.fragment)
            if frag not in parse(target).ids:
                problems.append("<%s %s=%s>: no id '%s' in %s" % (tag, attr, v, frag, target))
    return problems


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().split("\n")[2], file=sys.stderr)
        return 2
    root = sys.argv[1]
    pages = []
    for d, _dirs, files in os.walk(root):
        for f in files:
            if f.endswith(".html"):
                pages.append(os.path.join(d, f))
    pages.sort()
    ok = bad = 0
    for p in pages:
        problems = check_page(p)
        if problems:
            bad += 1
            print("FAIL %s: %d broken: %s" % (p, len(problems), "; ".join(problems[:5])))
        else:
            ok += 1
            print("ok %s" % p)
    print("links: %d pages ok, %d failed" % (ok, bad))
    return 1 if bad or not pages else 0


if __name__ == "__main__":
    sys.exit(main())
