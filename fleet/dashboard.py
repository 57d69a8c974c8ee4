"""The staff dashboard: server-rendered HTML, Vietnamese first, refreshed in place by a small poll.

City staff see every kiosk; ward staff the kiosks of their ward, and only those they may command.
Sessions are signed cookies (`fleet.security`); forms carry a token tied to the session.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from fleet.charts import funnel_svgs, weekly_svg
from fleet.health import assess
from fleet.security import SESSION_TTL_S, Staff, csrf_token, sign, verify
from fleet.store import FleetStore, _aware, now_utc
from kiosk.telemetry.wire import CommandName
from kiosk.workdays.clock import VN_TZ

COOKIE = "fleet_session"
LANG_COOKIE = "fleet_lang"
POLL_MS = 2000
WEEKS = 8
FUNNEL_DAYS = 30
# Commands offered as buttons (apply_version goes through a rollout).
BUTTONS = (CommandName.SYNC_NOW, CommandName.REPRINT_LAST, CommandName.RESTART, CommandName.LOCK,
           CommandName.UNLOCK)

T: dict[str, tuple[str, str]] = {
    "title": ("Bảng theo dõi kiosk dịch vụ công", "Public-service kiosk dashboard"),
    "login": ("Đăng nhập", "Sign in"),
    "logout": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập", "User name"),
    "password": ("Mật khẩu", "Password"),
    "login_failed": ("Tên đăng nhập hoặc mật khẩu không đúng. Vui lòng thử lại.",
                     "Wrong user name or password. Please try again."),
    "kiosks": ("Các máy kiosk", "Kiosks"),
    "kiosk": ("Máy", "Kiosk"),
    "site": ("Điểm đặt", "Site"),
    "ward": ("Phường", "Ward"),
    "state": ("Tình trạng", "State"),
    "last_seen": ("Liên lạc gần nhất", "Last contact"),
    "outbox": ("Hồ sơ chờ gửi", "Dossiers waiting"),
    "printer": ("Máy in", "Printer"),
    "version": ("Phiên bản", "Version"),
    "actions": ("Lệnh", "Commands"),
    "alerts": ("Cảnh báo", "Alerts"),
    "no_alerts": ("Không có cảnh báo.", "No alerts."),
    "no_kiosks": ("Chưa có máy nào.", "No kiosks yet."),
    "commands": ("Lệnh đã gửi", "Commands sent"),
    "audit": ("Nhật ký thao tác", "Audit log"),
    "when": ("Thời điểm", "When"),
    "who": ("Người thực hiện", "Who"),
    "what": ("Thao tác", "Action"),
    "result": ("Kết quả", "Result"),
    "funnel": ("Phễu bỏ dở theo thủ tục (30 ngày)", "Where residents abandon each procedure (30 days)"),
    "usage": ("Lượt sử dụng theo điểm, theo tuần", "Sessions per site and week"),
    "no_usage": ("Chưa có số liệu sử dụng.", "No usage figures yet."),
    "started": ("Bắt đầu", "Started"),
    "completed": ("Hoàn thành", "Completed"),
    "abandoned_at": ("Bỏ dở ở bước {step}", "Abandoned at {step}"),
    "week": ("Tuần", "Week"),
    "green": ("Bình thường", "OK"),
    "amber": ("Cần chú ý", "Needs attention"),
    "red": ("Sự cố", "Fault"),
    "never": ("chưa bao giờ", "never"),
    "other_lang": ("English", "Tiếng Việt"),
    "role_city": ("Cấp thành phố: tất cả các máy", "City: every kiosk"),
    "role_ward": ("Cấp phường: các máy của {ward}", "Ward: the kiosks of {ward}"),
    "forbidden": ("Tài khoản này không được điều khiển máy này.", "This account may not command this kiosk."),
    "bad_form": ("Phiên làm việc đã hết hạn. Vui lòng tải lại trang.", "Your session expired. Please reload."),
    "cmd_sync_now": ("Đồng bộ ngay", "Sync now"),
    "cmd_reprint_last": ("In lại phiếu cuối", "Reprint last slip"),
    "cmd_restart": ("Khởi động lại", "Restart"),
    "cmd_lock": ("Khóa để bảo trì", "Lock for maintenance"),
    "cmd_unlock": ("Mở khóa", "Unlock"),
    "cmd_apply_version": ("Cài phiên bản", "Apply version"),
    "st_queued": ("Chờ máy nhận", "Waiting for the kiosk"),
    "st_delivered": ("Máy đã nhận", "Received by the kiosk"),
    "st_done": ("Đã xong", "Done"),
    "st_failed": ("Không thành công", "Failed"),
    "st_cancelled": ("Đã hủy", "Cancelled"),
    "rollouts": ("Triển khai phiên bản theo đợt", "Staged rollouts"),
    "target": ("Loại", "Kind"),
    "target_catalog": ("Danh mục thủ tục", "Procedure catalog"),
    "target_settings": ("Cài đặt", "Settings"),
    "group": ("Nhóm máy", "Kiosk group"),
    "stage_size": ("Số máy mỗi đợt", "Kiosks per stage"),
    "content": ("Nội dung (JSON)", "Content (JSON)"),
    "start_rollout": ("Bắt đầu triển khai", "Start the rollout"),
    "rollback": ("Quay lui", "Roll back"),
    "progress": ("Tiến độ", "Progress"),
    "progress_text": ("{done}/{size} máy đã cài, {failed} lỗi, {open} đang chờ",
                      "{done}/{size} kiosks done, {failed} failed, {open} waiting"),
    "ro_active": ("Đang triển khai", "In progress"),
    "ro_done": ("Hoàn tất", "Finished"),
    "ro_halted": ("Đã dừng vì có máy báo lỗi", "Halted: a kiosk refused it"),
    "ro_rolled_back": ("Đã quay lui", "Rolled back"),
    "bad_json": ("Nội dung không phải JSON hợp lệ (cần một đối tượng { … }).",
                 "The content is not valid JSON (an object { … } is needed)."),
    "bad_rollout": ("Vui lòng điền phiên bản, nhóm máy và số máy mỗi đợt (từ 1 trở lên).",
                    "Please give the version, the group and the kiosks per stage (1 or more)."),
    "city_only": ("Chỉ cán bộ cấp thành phố được triển khai phiên bản.", "Only city staff may roll out versions."),
}


def tr(key: str, lang: str) -> str:
    vi, en = T[key]
    return vi if lang == "vi" else en


def _when(value: datetime | None, lang: str) -> str:
    value = _aware(value)
    if value is None:
        return tr("never", lang)
    return value.astimezone(VN_TZ).strftime("%H:%M:%S %d/%m/%Y")


STYLE = """
body{font-family:"Noto Sans","DejaVu Sans",sans-serif;margin:0 1.5rem 2rem;color:#1b1b1b;font-size:16px}
header{display:flex;gap:1rem;align-items:center;justify-content:space-between;border-bottom:2px solid #1f6f8b}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border-bottom:1px solid #ccc;padding:.35rem;
text-align:left;vertical-align:top}.lvl{display:inline-block;padding:.1rem .5rem;border-radius:.8rem;font-weight:600}
.lvl-green{background:#d8f0d2;color:#1d5c14}.lvl-amber{background:#ffe3b3;color:#7a4300}
.lvl-red{background:#f8d0d0;color:#8a1010}form.cmd{display:inline}button{font-size:14px;margin:.1rem}
.error{color:#8a1010;font-weight:600}section{margin-top:1.2rem}.charts{display:flex;flex-wrap:wrap;gap:1rem}
"""

SCRIPT = """
const poll=async()=>{try{const r=await fetch('/live',{headers:{'X-Requested-With':'fetch'}});
if(r.status===401){location.href='/login';return}const d=await r.json();
for(const k of Object.keys(d)){const el=document.getElementById(k);if(el&&el.innerHTML!==d[k])el.innerHTML=d[k];}}
catch(e){}};
document.addEventListener('submit',async ev=>{const f=ev.target;if(!f.classList.contains('cmd'))return;
ev.preventDefault();const r=await fetch(f.action,{method:'POST',body:new URLSearchParams(new FormData(f)),
headers:{'X-Requested-With':'fetch'}});if(!r.ok){const m=document.getElementById('message');
if(m)m.textContent=await r.text();}poll();});
setInterval(poll,%d);
"""


def _page(title: str, lang: str, body: str) -> HTMLResponse:
    html = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{STYLE}</style></head>'
            f"<body>{body}</body></html>")
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                       "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline';"
                                                                  " script-src 'unsafe-inline'; img-src 'self' data:"})


def dashboard_router(store: FleetStore) -> APIRouter:  # noqa: C901 (one nested handler per route of the dashboard)
    router = APIRouter()

    def lang_of(request: Request) -> str:
        lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "vi"
        return "en" if lang == "en" else "vi"

    def staff_of(request: Request) -> Staff | None:
        cookie = request.cookies.get(COOKIE)
        claims = verify(store.signing_key(), "staff", cookie) if cookie else None
        if claims is None or not isinstance(claims.get("sub"), str):
            return None
        return store.staff(claims["sub"])

    def remember_lang(response: Response, request: Request, lang: str) -> Response:
        if request.query_params.get("lang"):
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="strict", httponly=True)
        return response

    async def form_of(request: Request) -> dict[str, str]:
        raw = await request.body()
        return {k: v[0] for k, v in parse_qs(raw[:8192].decode("utf-8", "replace")).items()}

    # --- signing in ---

    def login_page(lang: str, failed: bool = False, status: int = 200) -> HTMLResponse:
        other = "en" if lang == "vi" else "vi"
        error = f'<p class="error" role="alert">{tr("login_failed", lang)}</p>' if failed else ""
        body = (f'<header><h1>{tr("title", lang)}</h1><a href="/login?lang={other}">{tr("other_lang", lang)}</a>'
                f'</header><main><h2>{tr("login", lang)}</h2>{error}<form method="post" action="/login">'
                f'<p><label>{tr("username", lang)}<br>'
                f'<input name="username" autocomplete="username" required></label></p>'
                f'<p><label>{tr("password", lang)}<br><input name="password" type="password" '
                f'autocomplete="current-password" required></label></p>'
                f'<p><button type="submit">{tr("login", lang)}</button></p></form></main>')
        page = _page(tr("title", lang), lang, body)
        page.status_code = status
        return page

    @router.get("/login")
    def login_form(request: Request) -> Response:
        lang = lang_of(request)
        return remember_lang(login_page(lang), request, lang)

    @router.post("/login")
    async def login(request: Request) -> Response:
        lang = lang_of(request)
        form = await form_of(request)
        staff = await run_in_threadpool(store.staff, form.get("username", ""), form.get("password", ""))
        if staff is None:
            return login_page(lang, failed=True, status=401)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, sign(store.signing_key(), "staff", {"sub": staff.username}, SESSION_TTL_S),
                            max_age=SESSION_TTL_S, httponly=True, samesite="strict")
        await run_in_threadpool(store.note, staff, "login")
        return response

    @router.post("/logout")
    def logout() -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    # --- the page and its live parts ---

    def live_parts(staff: Staff, lang: str, csrf: str) -> dict[str, str]:
        now = now_utc()
        rows = store.kiosks_for(staff)
        ids = [row.id for row in rows]
        table, alerts = [], []
        for row in rows:
            health = assess(row.beat, row.last_seen, now)
            beat = row.beat or {}
            reasons = health.texts(lang)
            buttons = "".join(
                f'<form class="cmd" method="post" action="/kiosks/{escape(row.id)}/commands">'
                f'<input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="name" '
                f'value="{name.value}"><button type="submit" data-command="{name.value}">'
                f'{tr("cmd_" + name.value, lang)}</button></form>' for name in BUTTONS)
            table.append(
                f'<tr data-kiosk="{escape(row.id)}" data-level="{health.level}"><td>{escape(row.id)}<br>'
                f'<small>{escape(row.name)}</small></td><td>{escape(row.site_id)}</td><td>{escape(row.ward)}</td>'
                f'<td><span class="lvl lvl-{health.level}">{tr(health.level, lang)}</span>'
                f'<div class="reasons">{"<br>".join(escape(r) for r in reasons)}</div></td>'
                f'<td>{_when(row.last_seen, lang)}</td><td>{int(beat.get("outbox_depth", 0))}</td>'
                f'<td>{escape(str(beat.get("printer", "")))}</td><td>{escape(str(beat.get("version", "")))}<br>'
                f'<small>{escape(str(beat.get("catalog_version", "")))}</small></td><td>{buttons}</td></tr>')
            alerts += [f'<li data-kiosk="{escape(row.id)}" class="lvl-{health.level}">{escape(row.id)} '
                       f'({escape(row.site_id)}): {escape(text)}</li>' for text in reasons]
        heads = "".join(f"<th>{tr(k, lang)}</th>" for k in ("kiosk", "site", "ward", "state", "last_seen", "outbox",
                                                             "printer", "version", "actions"))
        kiosks_html = (f"<table><thead><tr>{heads}</tr></thead><tbody>{''.join(table)}</tbody></table>"
                       if table else f"<p>{tr('no_kiosks', lang)}</p>")
        commands = store.recent_commands(ids, limit=20)
        command_rows = "".join(
            f'<tr data-command-id="{c.id}" data-command="{escape(c.name)}" data-status="{escape(c.status)}">'
            f"<td>{_when(c.created_at, lang)}</td><td>{escape(c.kiosk_id)}</td>"
            f'<td>{tr("cmd_" + c.name, lang)}</td><td>{escape(c.created_by)}</td>'
            f'<td class="status">{tr("st_" + c.status, lang)}</td><td>{escape(c.result or "")}</td></tr>'
            for c in commands)
        command_heads = "".join(f"<th>{tr(k, lang)}</th>" for k in ("when", "kiosk", "what", "who", "state", "result"))
        audit_rows = "".join(
            f"<tr><td>{_when(a.at, lang)}</td><td>{escape(a.username)}</td><td>{escape(a.action)}</td>"
            f"<td>{escape(a.kiosk_id or '')}</td><td>{escape(a.detail)}</td></tr>"
            for a in store.audit_log(staff, ids, limit=30))
        audit_heads = "".join(f"<th>{tr(k, lang)}</th>" for k in ("when", "who", "what", "kiosk", "result"))
        return {
            "kiosks": kiosks_html,
            "alerts": f"<ul>{''.join(alerts)}</ul>" if alerts else f"<p>{tr('no_alerts', lang)}</p>",
            "commands": f"<table><thead><tr>{command_heads}</tr></thead><tbody>{command_rows}</tbody></table>",
            "audit": f"<table><thead><tr>{audit_heads}</tr></thead><tbody>{audit_rows}</tbody></table>",
            "charts": charts(staff, rows, lang),
            "rollouts": rollouts_html(staff, lang, csrf),
        }

    def rollouts_html(staff: Staff, lang: str, csrf: str) -> str:
        if staff.role != "city":
            return ""
        items = []
        for row, states, size in store.rollouts():
            progress = tr("progress_text", lang).format(
                done=states.get("done", 0), failed=states.get("failed", 0),
                open=states.get("queued", 0) + states.get("delivered", 0), size=size)
            button = (f'<form class="cmd" method="post" action="/rollouts/{row.id}/rollback">'
                      f'<input type="hidden" name="csrf" value="{csrf}"><button type="submit">'
                      f'{tr("rollback", lang)}</button></form>' if row.status != "rolled_back" else "")
            items.append(f'<tr data-rollout="{row.id}" data-status="{escape(row.status)}">'
                         f'<td>{_when(row.created_at, lang)}</td><td>{tr("target_" + row.target, lang)}</td>'
                         f'<td>{escape(row.version)}</td>'
                         f'<td>{escape(row.group_name)}</td><td>{tr("ro_" + row.status, lang)}<br>'
                         f"<small>{escape(progress)}</small></td><td>{button}</td></tr>")
        heads = "".join(f"<th>{tr(k, lang)}</th>" for k in ("when", "target", "version", "group", "progress",
                                                             "actions"))
        return f"<table><thead><tr>{heads}</tr></thead><tbody>{''.join(items)}</tbody></table>"

    def rollout_form(lang: str, csrf: str) -> str:
        options = "".join(f'<option value="{t}">{tr("target_" + t, lang)}</option>' for t in ("settings", "catalog"))
        return (f'<form class="cmd" method="post" action="/rollouts"><input type="hidden" name="csrf" value="{csrf}">'
                f'<label>{tr("target", lang)} <select name="target">{options}</select></label> '
                f'<label>{tr("version", lang)} <input name="version" required maxlength="128"></label> '
                f'<label>{tr("group", lang)} <input name="group" value="default" required maxlength="64"></label> '
                f'<label>{tr("stage_size", lang)} <input name="stage_size" type="number" min="1" value="1"></label>'
                f'<br><label>{tr("content", lang)}<br><textarea name="content" rows="4" cols="70">'
                f'{{"idle.form_seconds": 120}}</textarea></label><br>'
                f'<button type="submit">{tr("start_rollout", lang)}</button></form>')

    def charts(staff: Staff, rows: list[Any], lang: str) -> str:
        today = now_utc().astimezone(VN_TZ).date()
        site_of = {row.id: row.site_id for row in rows}
        usage_rows = store.usage_rows(site_of, today - timedelta(weeks=WEEKS))
        if not usage_rows:
            return f"<p>{tr('no_usage', lang)}</p>"
        labels = {k: tr(k, lang) for k in ("started", "completed", "abandoned_at", "funnel")}
        recent = [r for r in usage_rows if r.day >= today - timedelta(days=FUNNEL_DAYS)]
        funnels = "".join(f'<figure data-procedure="{escape(code)}"><figcaption>{escape(code)}</figcaption>{svg}'
                          f"</figure>" for code, svg in funnel_svgs(recent, labels))
        weekly = weekly_svg(usage_rows, site_of, WEEKS, today, tr("usage", lang), tr("week", lang))
        return (f'<h3>{tr("usage", lang)}</h3>{weekly}<h3>{tr("funnel", lang)}</h3>'
                f'<div class="charts">{funnels}</div>')

    @router.get("/")
    def home(request: Request) -> Response:
        lang = lang_of(request)
        staff = staff_of(request)
        if staff is None:
            return RedirectResponse("/login", status_code=303)
        csrf = csrf_token(store.signing_key(), request.cookies[COOKIE])
        parts = live_parts(staff, lang, csrf)
        other = "en" if lang == "vi" else "vi"
        role = (tr("role_city", lang) if staff.role == "city"
                else tr("role_ward", lang).format(ward=escape(staff.ward or "")))
        sections = "".join(f'<section><h2>{tr(key, lang)}</h2><div id="{key}" aria-live="polite">{parts[key]}</div>'
                           f"</section>" for key in ("kiosks", "alerts", "commands", "audit"))
        if staff.role == "city":
            sections += (f'<section><h2>{tr("rollouts", lang)}</h2>{rollout_form(lang, csrf)}'
                         f'<div id="rollouts">{parts["rollouts"]}</div></section>')
        body = (f'<header><h1>{tr("title", lang)}</h1><p>{escape(staff.display_name)} · {role}</p>'
                f'<a href="/?lang={other}">{tr("other_lang", lang)}</a><form method="post" action="/logout">'
                f'<button type="submit">{tr("logout", lang)}</button></form></header>'
                f'<p id="message" class="error" role="alert"></p>{sections}'
                f'<section><div id="charts">{parts["charts"]}</div></section>'
                f"<script>{SCRIPT % POLL_MS}</script>")
        return remember_lang(_page(tr("title", lang), lang, body), request, lang)

    @router.get("/live")
    def live(request: Request) -> Response:
        staff = staff_of(request)
        if staff is None:
            return JSONResponse({"detail": "sign in"}, status_code=401)
        lang = lang_of(request)
        return JSONResponse(live_parts(staff, lang, csrf_token(store.signing_key(), request.cookies[COOKIE])),
                            headers={"Cache-Control": "no-store"})

    @router.post("/kiosks/{kiosk_id}/commands")
    async def send_command(kiosk_id: str, request: Request) -> Response:
        lang = lang_of(request)
        staff, form, refused = await checked_form(request, lang)
        if staff is None:
            assert refused is not None
            return refused
        kiosk = await run_in_threadpool(store.kiosk, kiosk_id)
        if kiosk is None or not staff.sees(kiosk.ward):
            return _text(tr("forbidden", lang), 403)
        name = next((b for b in BUTTONS if b.value == form.get("name")), None)
        if name is None:
            return _text(tr("bad_form", lang), 400)
        await run_in_threadpool(store.add_command, staff, kiosk_id, name)
        return _done(request)

    async def checked_form(request: Request, lang: str, city_only: bool = False
                           ) -> tuple[Staff | None, dict[str, str], Response | None]:
        """The signed-in staff and the form, or the answer refusing it (not signed in, forged, not allowed)."""
        staff = await run_in_threadpool(staff_of, request)
        if staff is None:
            return None, {}, RedirectResponse("/login", status_code=303)
        form = await form_of(request)
        if form.get("csrf") != csrf_token(store.signing_key(), request.cookies[COOKIE]):
            return None, {}, _text(tr("bad_form", lang), 403)
        if city_only and staff.role != "city":
            return None, {}, _text(tr("city_only", lang), 403)
        return staff, form, None

    @router.post("/rollouts")
    async def start_rollout(request: Request) -> Response:
        lang = lang_of(request)
        staff, form, refused = await checked_form(request, lang, city_only=True)
        if staff is None:
            assert refused is not None
            return refused
        try:
            content = json.loads(form.get("content", ""))
        except ValueError:
            content = None
        if not isinstance(content, dict):
            return _text(tr("bad_json", lang), 400)
        version, group = form.get("version", "").strip()[:128], form.get("group", "").strip()[:64]
        stage = form.get("stage_size", "")
        target = form.get("target", "")
        if not version or not group or not stage.isdigit() or int(stage) < 1 or target not in ("catalog", "settings"):
            return _text(tr("bad_rollout", lang), 400)
        await run_in_threadpool(store.start_rollout, staff, target, version, content, group, int(stage))
        return _done(request)

    @router.post("/rollouts/{rollout_id}/rollback")
    async def roll_back(rollout_id: int, request: Request) -> Response:
        lang = lang_of(request)
        staff, _form, refused = await checked_form(request, lang, city_only=True)
        if staff is None:
            assert refused is not None
            return refused
        await run_in_threadpool(store.roll_back, staff, rollout_id)
        return _done(request)

    return router


def _text(message: str, status: int) -> Response:
    return Response(message, status_code=status, media_type="text/plain; charset=utf-8")


def _done(request: Request) -> Response:
    if request.headers.get("X-Requested-With") == "fetch":
        return Response(status_code=204)
    return RedirectResponse("/", status_code=303)

