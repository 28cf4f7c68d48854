"""A real HTTP session signing in through Castellan's pages: follow redirects, fill in and post forms."""

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                               "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def browse_until(session: requests.Session, url: str, stop_prefix: str, *, login: str, password: str,
                 max_steps: int = 10) -> str:
    """Follow redirects from `url`, signing in when the sign-in form appears, until a redirect to
    `stop_prefix` (the client's redirect URI, which is not fetched); returns that URL."""
    response = session.get(url, allow_redirects=False, timeout=10)
    for _ in range(max_steps):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(stop_prefix):
                return location
            response = session.get(location, allow_redirects=False, timeout=10)
            continue
        assert response.status_code == 200, (response.status_code, response.text[:500])
        sign_in = [form for form in forms_of(response.text) if "password" in form["fields"]]
        assert sign_in, f"expected the sign-in form at {response.url}: {response.text[:500]}"
        form = sign_in[0]
        assert form["fields"].get("csrfmiddlewaretoken"), "the sign-in form carries its CSRF token"
        data = {**form["fields"], "login": login, "password": password}
        response = session.post(urljoin(response.url, form["action"]), data=data, allow_redirects=False,
                                timeout=10)
    raise AssertionError(f"no redirect to {stop_prefix} within {max_steps} steps")
