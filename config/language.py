"""The reader's language: the one rule for which language a request is answered in.

The API (/api/) answers in the language of `Accept-Language` alone, and says which it used in
`Content-Language` (`en` or `zh-hans`), with `Vary: Accept-Language`:

- Any Chinese (zh, zh-hans, zh-CN, zh-SG, zh-Hans-CN...) reads Simplified Chinese. So does
  Traditional (zh-TW, zh-HK, zh-Hant): Simplified is the only Chinese the product has, and a
  Taiwanese or Hong Kong reader reads it far more easily than English.
- English (en, en-US...) and every language the product does not have (fr, de...) read
  English, the default; a q-weighted list takes the best-weighted language it has
  ("fr, zh;q=0.5" reads Chinese).
- The language cookie that the admin's language switch sets is NOT consulted, for a token
  client or a staff session alike: an app backend sends Accept-Language with every request,
  the answer must be the same for the same URL and the same Accept-Language whoever sends it
  (that is what `Vary: Accept-Language` promises a cache), and an agent who switched the admin
  to Chinese and opens the API docs gets what their browser asks for.

Every other page keeps Django's own rule (the language cookie, then Accept-Language).

The middleware runs before every other that can answer (the request guard's 413 and 400, the
503 of a database outage), so those answer in the reader's language too.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase as Response
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import language_code_re, parse_accept_lang_header

API_PREFIX = "/api/"
# What the API answers in (`Content-Language`): the codes of settings.LANGUAGES.
ANSWER_LANGUAGES = ("en", "zh-hans")
# What a client may send, as the schema shows it (any RFC 9110 value is accepted).
ACCEPTED_EXAMPLES = {
    "en": "English (the default, also for a language the API does not have).",
    "zh-CN": "Simplified Chinese; so are zh, zh-hans, zh-Hans-CN, zh-SG.",
    "zh-TW": "Traditional Chinese is answered in Simplified Chinese, the only Chinese there is.",
    "zh-CN,zh;q=0.9,en;q=0.8": "A weighted list: the best-weighted language the API has.",
}


def language_from_accept(header: str) -> str:
    """The language an `Accept-Language` value reads: `en` or `zh-hans` (Django's own matching
    of variants and weights, without the cookie)."""
    for code, _weight in parse_accept_lang_header(header):
        if code == "*":
            break
        if not language_code_re.search(code):
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


def api_language(request: HttpRequest) -> str:
    return language_from_accept(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware for pages; Accept-Language alone for the API."""

    def process_request(self, request: HttpRequest) -> None:
        if not request.path.startswith(API_PREFIX):
            super().process_request(request)
            return
        language = api_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language

    def process_response(self, request: HttpRequest, response: Response) -> Response:
        if not request.path.startswith(API_PREFIX):
            return super().process_response(request, response)
        # The language decided for the request, whatever a view activated since.
        language = getattr(request, "LANGUAGE_CODE", None) or api_language(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response
