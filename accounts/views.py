"""The sign-in and sign-out pages."""

from django.contrib.auth import login as start_session
from django.contrib.auth import logout as end_session
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from . import throttling
from .forms import SignInForm
from .signin import FAILURE_MESSAGE, log_sign_out, sign_in

# Our pages load nothing from elsewhere and are never framed (X-Frame-Options DENY is global too).
# No `form-action`: browsers check it on every redirect after the submit, and a successful sign-in
# goes on through v1/authorize to the client's redirect URI, on another origin (Chromium blocks it).
CONTENT_SECURITY_POLICY = ("default-src 'self'; style-src 'self'; img-src 'self' data:; script-src 'none'; "
                           "frame-ancestors 'none'; base-uri 'none'")


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "")


def safe_next(value: str | None) -> str | None:
    """`value` when it is a path on this site (`/x`), else None: no open redirect."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 0x20 or ch == "\\" for ch in value):
        return None
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return None
    return value


def _page(request, template: str, context: dict, status: int = 200):
    response = render(request, template, context, status=status)
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@method_decorator([sensitive_post_parameters("password"), csrf_protect, never_cache], name="dispatch")
class SignInView(View):
    template_name = "accounts/login.html"

    def get(self, request):
        next_url = safe_next(request.GET.get("next"))
        return _page(request, self.template_name, {"form": SignInForm(), "next": next_url})

    def post(self, request):
        next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
        form = SignInForm(request.POST)
        context = {"form": form, "next": next_url}
        if not form.is_valid():
            return _page(request, self.template_name, context, status=400)
        result = sign_in(login=form.cleaned_data["login"], password=form.cleaned_data["password"],
                         ip=client_ip(request), now=throttling.clock())
        if not result.ok:
            context.update(failure=FAILURE_MESSAGE, form=SignInForm(initial={"login": form.cleaned_data["login"]}))
            response = _page(request, self.template_name, context,
                             status=429 if result.retry_after else 200)
            if result.retry_after:
                response["Retry-After"] = str(result.retry_after)
            return response
        # login() rotates the session key (no fixation) and sets last_login.
        start_session(request, result.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url or reverse("accounts:login"))


@method_decorator([csrf_protect, never_cache], name="dispatch")
class SignOutView(View):
    def get(self, request):
        return _page(request, "accounts/logout_confirm.html", {})

    def post(self, request):
        user = request.user if request.user.is_authenticated else None
        end_session(request)
        if user is not None:
            log_sign_out(user, client_ip(request))
        return _page(request, "accounts/logged_out.html", {})
