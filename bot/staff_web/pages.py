"""The staff pages' HTML: plain forms, no script (the page's Content-Security-Policy allows none
inline), every value escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from bot.staff import Role

HEAD = ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="stylesheet" href="/static/staff.css"><title>{title} - OCSEA helper staff</title></head><body><main>')
TAIL = "</main></body></html>"


def _page(title: str, body: str) -> str:
    return HEAD.format(title=escape(title)) + body + TAIL


def sign_in(problem: str | None = None) -> str:
    alert = f'<p role="alert" class="problem">{escape(problem)}</p>' if problem else ""
    return _page("Sign in", f"""<h1>Staff sign-in</h1>{alert}
<form method="post" action="/staff/sign-in">
<label>Username <input name="username" autocomplete="username" required maxlength="64"></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<label>Code from your authenticator app <input name="code" inputmode="numeric" autocomplete="one-time-code"
 maxlength="12"></label>
<button type="submit">Sign in</button>
</form>""")


def _sign_out(csrf: str) -> str:
    return (f'<form method="post" action="/staff/sign-out"><input type="hidden" name="csrf" value="{escape(csrf)}">'
            '<button type="submit">Sign out</button></form>')


def home(session: Any) -> str:
    links = '<li><a href="/staff/audit">Staff audit log</a></li>' if session.role is Role.ADMIN else ""
    if session.role in (Role.SUPERVISOR, Role.DATA_OFFICER):
        links += '<li><a href="/staff/statistics">Helpline statistics and exports</a></li>'
    if session.role in (Role.COUNSELLOR, Role.SUPERVISOR):
        links += '<li><a href="/console/">Counsellor console: the queue and live chats</a></li>'
    return _page("Staff", f"""<h1>Signed in as {escape(session.username)} ({escape(session.role.value)})</h1>
<ul>{links}</ul>{_sign_out(session.csrf)}""")


def _audit_filters(chosen: dict[str, str]) -> str:
    def field(name: str, label: str, kind: str = "text") -> str:
        return (f'<label>{label} <input name="{name}" type="{kind}" value="{escape(chosen.get(name, ""))}" '
                f'maxlength="64"></label>')

    return ('<form method="get" action="/staff/audit" class="filters">'
            + field("actor", "Who (username, or cli)") + field("action", "What (e.g. export, sign_in)")
            + field("from", "From", "date") + field("to", "To", "date")
            + '<button type="submit">Show</button> <a href="/staff/audit">Clear</a></form>')


def audit(session: Any, entries: list[dict], chosen: dict[str, str] | None = None, problem: str | None = None) -> str:
    rows = "".join(
        f"<tr><td>{escape(str(e['at']))}</td><td>{escape(e['actor'])}</td><td>{escape(e['action'])}</td>"
        f"<td>{escape(e['target'] or '')}</td><td>{escape(e['detail'] or '')}</td></tr>" for e in entries)
    alert = f'<p role="alert" class="problem">{escape(problem)}</p>' if problem else ""
    return _page("Staff audit log", f"""<h1>Staff audit log</h1>{alert}{_audit_filters(chosen or {})}
<p>{len(entries)} entries, newest first (at most 500). Entries cannot be edited or deleted from the application.</p>
<table><thead><tr><th>When (UTC)</th><th>Who</th><th>What</th><th>Account</th><th>Detail</th></tr></thead>
<tbody>{rows}</tbody></table><p><a href="/staff/">Back</a></p>{_sign_out(session.csrf)}""")


def forbidden() -> str:
    return _page("Not for your role", '<h1>This page is not for your role</h1><p><a href="/staff/">Back</a></p>')
