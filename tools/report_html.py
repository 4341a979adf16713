"""report_html.py -- the pages' shell: one CSS, no external resources.

Every page is plain HTML with its style inline, so a page copied out of
reports/ (or opened from a CI artifact) still reads right. The one script
is four lines: after load, if any image failed to load it says so in a red
banner at the top of the page (and marks <html data-broken-images="N">,
which the browser test reads).

Every page says where its results come from in its header, in
<div id="provenance" data-commit="...">: the commit, whether the checkout
had uncommitted changes, the date, the command and the machine
(set_provenance(); the browser test fails a page without it).
"""

import html
import os

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 margin:0;color:#1d1d1f;background:#fafafa}
header{background:#263238;color:#eceff1;padding:10px 24px}
header a{color:#b3e5fc;margin-right:14px;text-decoration:none}
header a:hover{text-decoration:underline}
header .crumb{font-size:13px}
main{max-width:1300px;margin:0 auto;padding:8px 24px 40px}
h1{font-size:22px;margin:14px 0 6px}
h2{font-size:18px;margin:26px 0 8px;border-bottom:1px solid #ddd;padding-bottom:3px}
h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px;background:#fff;font-size:13px}
th,td{border:1px solid #d8d8d8;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#eef1f3;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr:hover td{background:#f5f9ff}
code,pre,.mono{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
pre{background:#fff;border:1px solid #ddd;padding:8px;overflow-x:auto;line-height:1.35}
.pass{color:#1b5e20;font-weight:600}.fail{color:#b71c1c;font-weight:600}
.warn{color:#e65100;font-weight:600}.muted{color:#777}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.badge.pass{background:#e8f5e9}.badge.fail{background:#ffebee}.badge.warn{background:#fff3e0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:10px 0}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:170px}
.card .big{font-size:22px;font-weight:600}
.grid2{display:flex;flex-wrap:wrap;gap:10px}
.grid2 figure{margin:0;background:#fff;border:1px solid #ddd;padding:4px}
figure{margin:8px 0}
figcaption{font-size:12px;color:#555;padding:2px 4px}
img{max-width:100%;height:auto}
.fsm td{text-align:center;min-width:46px;font-size:12px}
.fsm td.taken{background:#e8f5e9}.fsm td.never{background:#fff3e0;color:#bf360c;font-weight:600}
.fsm td.impossible{background:#eceff1;color:#90a4ae}
.fsm td.bad{background:#ffcdd2;color:#b71c1c;font-weight:700}
.fsm th.ev{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;padding:6px 2px}
.excerpt .cited{background:#fff59d;display:block}
.excerpt .ln{color:#999;user-select:none}
#broken-images{background:#b71c1c;color:#fff;padding:8px 24px;margin:0}
#provenance{font-size:12px;color:#cfd8dc;margin-top:4px}
#provenance code{color:#fff}#provenance .stale{color:#ffcc80;font-weight:600}
.verdict{border-radius:6px;padding:10px 16px;margin:12px 0;font-size:15px}
.verdict.pass{background:#e8f5e9;border:1px solid #a5d6a7;color:#1b5e20}
.verdict.fail{background:#ffebee;border:1px solid #ef9a9a;color:#b71c1c}
.verdict .big{font-size:24px;font-weight:700;margin-right:10px}
.verdict .first{color:#1d1d1f;font-weight:400;margin-top:6px}
.stale{color:#e65100;font-weight:600}
.assumption{color:#8d6e63}
.note{background:#fffde7;border:1px solid #fff59d;padding:6px 10px;border-radius:4px}
"""

SCRIPT = ("<script>addEventListener('load',function(){var b=[],i=document.images,k;"
          "for(k=0;k<i.length;k++)if(!i[k].complete||i[k].naturalWidth===0)"
          "b.push(i[k].getAttribute('src'));document.documentElement.setAttribute("
          "'data-broken-images',String(b.length));if(b.length){var p=document.createElement('pre');"
          "p.id='broken-images';p.textContent=b.length+' image(s) failed to load: '+b.join(' ');"
          "document.body.insertBefore(p,document.body.firstChild)}});</script>")


def esc(s):
    return html.escape("" if s is None else str(s), quote=True)


_PROVENANCE = {"html": "", "commit": ""}


def set_provenance(html_text, commit):
    """What every page's header says of the results' origin (safe HTML),
    and the commit for data-commit."""
    _PROVENANCE["html"] = html_text
    _PROVENANCE["commit"] = commit or "unknown"


def page(title, body, depth=0, nav=True):
    """A whole page. depth: how many directories below reports/ it lives."""
    up = "../" * depth
    links = ""
    if nav:
        links = ('<div class="crumb"><a href="%sindex.html">hasim report</a>'
                 '<a href="%sindex.html#timing">timing</a>'
                 '<a href="%sindex.html#scenarios">scenarios</a>'
                 '<a href="%sstate-machine.html">state machine</a>'
                 '<a href="%srules.html">rules</a></div>' % ((up,) * 5))
    prov = '<div id="provenance" data-commit="%s">%s</div>' % (esc(_PROVENANCE["commit"]),
                                                              _PROVENANCE["html"])
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>%s</title><style>%s</style>%s</head><body><header>%s%s</header>"
            "<main>\n%s\n</main></body></html>\n" % (esc(title), CSS, SCRIPT, links, prov, body))


def write(path, text):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def table(head, rows, num_cols=(), cls=""):
    """head: column titles (already safe HTML); rows: lists of safe HTML."""
    out = ['<table%s><tr>' % (' class="%s"' % cls if cls else "")]
    for i, h in enumerate(head):
        out.append('<th%s>%s</th>' % (' class="num"' if i in num_cols else "", h))
    out.append("</tr>")
    for r in rows:
        out.append("<tr>")
        for i, c in enumerate(r):
            out.append('<td%s>%s</td>' % (' class="num"' if i in num_cols else "", c))
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def badge(ok, yes="pass", no="FAIL", warn=False):
    if warn:
        return '<span class="badge warn">%s</span>' % esc(no)
    return '<span class="badge %s">%s</span>' % ("pass" if ok else "fail", esc(yes if ok else no))


def link(href, text):
    return '<a href="%s">%s</a>' % (esc(href), esc(text))


def img(src, alt, caption=None, width=None):
    w = ' width="%d"' % width if width else ""
    fig = '<figure><img src="%s" alt="%s"%s>' % (esc(src), esc(alt), w)
    if caption:
        fig += "<figcaption>%s</figcaption>" % caption
    return fig + "</figure>"
