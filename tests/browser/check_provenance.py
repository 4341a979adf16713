#!/usr/bin/python3
"""check_provenance.py -- a report page says where its results come from.

usage: check_provenance.py PAGE.html   (a page as Chromium's --dump-dom wrote it)

The page must hold <div id="provenance" data-commit="..."> whose text names
a commit ("commit <hash>", or says the origin was not recorded) and a date
(YYYY-MM-DD). Exit 0 if so; 1 with the reason on stdout.
"""

import re
import sys
from html.parser import HTMLParser


class Prov(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0      # inside the provenance div: its div nesting
        self.commit = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        if self.depth:
            self.depth += tag == "div"
        elif tag == "div" and d.get("id") == "provenance":
            self.depth = 1
            self.commit = d.get("data-commit")

    def handle_endtag(self, tag):
        if self.depth and tag == "div":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().split("\n")[2])
        return 2
    p = Prov()
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        p.feed(f.read())
    text = " ".join("".join(p.text).split())
    if p.commit is None:
        print("no <div id=\"provenance\" data-commit=...>")
        return 1
    if not re.search(r"commit [0-9a-f]{7,}|no git commit|origin not recorded", text):
        print("the provenance names no commit: %r" % text[:200])
        return 1
    if not re.search(r"\d{4}-\d{2}-\d{2}", text):
        print("the provenance has no date: %r" % text[:200])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
