from django import forms

from .models import User


class SignInForm(forms.Form):
    login = forms.CharField(
        label="Username", max_length=User._meta.get_field("login").max_length, strip=True,
        error_messages={"required": "Enter your username."},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none",
                                      "spellcheck": "false", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password", strip=False, max_length=4096,
        error_messages={"required": "Enter your password."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
