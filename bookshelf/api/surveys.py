"""A customer answers a survey invitation: "would you recommend this benefit?" (0-10).

No login and no bearer token: the signed single-use token in the invitation's link is the
credential (the app or the H5 page calls this with it), and it names one use of one benefit,
nothing else: the page never shows the customer's name or phone. Throttled per client
address (`BOOKSHELF_SURVEY_THROTTLE_RATE`), a token being worth guessing at.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..reach.selectors import survey_page, survey_page_of
from ..reach.services import survey_answer
from .auth import ClientRateThrottle
from .common import ErrorSerializer, StrictQueryParamsMixin


class SurveyRateThrottle(ClientRateThrottle):
    """A request budget per client address: there is no caller to count by."""

    scope = "survey"

    def get_rate(self) -> str | None:
        return str(settings.BOOKSHELF_SURVEY_THROTTLE_RATE)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SurveyBenefitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_en = serializers.CharField(help_text="The benefit's name in English.")
    name_zh_hans = serializers.CharField(help_text="The benefit's name in Simplified Chinese.")


class SurveyAnswerSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    comment = serializers.CharField()
    answered_at = serializers.DateTimeField(source="created_at")


class SurveyOutSerializer(serializers.Serializer):
    benefit = SurveyBenefitSerializer(source="invitation.benefit")
    used_on = serializers.DateField(
        allow_null=True,
        help_text="The day the use was fulfilled; null only for an invitation made before "
        "that day was recorded.",
    )
    question = serializers.CharField(help_text="In the language of `Accept-Language`.")
    answered = serializers.BooleanField()
    answer = SurveyAnswerSerializer(allow_null=True, help_text="null until it is answered.")
    expires_at = serializers.DateTimeField(
        source="invitation.expires_at", help_text="Answerable until then."
    )


class SurveyInSerializer(serializers.Serializer):
    score = serializers.IntegerField(
        min_value=0, max_value=10, help_text="How likely to recommend this benefit (0-10)."
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class StoredAnswerSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    comment = serializers.CharField()


class AnsweredErrorSerializer(serializers.Serializer):
    """A refusal of a second answer: the one error shape, and the answer already stored."""

    code = serializers.ChoiceField(
        choices=["survey_already_answered", "feedback_exists", "already_cancelled"],
        help_text="Answered through this survey already, rated in the app, or the use was "
        "cancelled.",
    )
    message = serializers.CharField(help_text="A translated, human-readable message.")
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field, when the error is about fields.",
    )
    answer = StoredAnswerSerializer(
        required=False, help_text="With `survey_already_answered`: the answer on record."
    )


TOKEN_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Malformed input; see `fields`."),
    404: OpenApiResponse(
        ErrorSerializer, description="`survey_token_invalid`: unknown or tampered token."
    ),
    410: OpenApiResponse(
        ErrorSerializer, description="`survey_expired`: closed before it was answered."
    ),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests from this address."),
}
SURVEY_EXAMPLE = {
    "benefit": {"code": "MED.02.003", "name_en": "Hospital escort", "name_zh_hans": "就医陪诊"},
    "used_on": "2026-11-20",
    "question": "How likely are you to recommend Hospital escort to family and friends?",
    "answered": False,
    "answer": None,
    "expires_at": "2026-12-04T12:00:00+08:00",
}
ANSWERED_EXAMPLE = {
    **SURVEY_EXAMPLE,
    "answered": True,
    "answer": {
        "score": 9,
        "comment": "Escort was on time.",
        "answered_at": "2026-11-21T09:30:00+08:00",
    },
}


class SurveyView(StrictQueryParamsMixin, APIView):
    authentication_classes: list[Any] = []  # the token in the path is the credential
    permission_classes = [permissions.AllowAny]
    throttle_classes = [SurveyRateThrottle]

    @extend_schema(
        operation_id="survey_get",
        summary="What a survey invitation asks, and whether it was answered",
        description="The benefit (both names), the day it was used, the question (in the "
        "language of `Accept-Language`) and the answer if there is one. No login: the "
        "token from the invitation's link is the credential. Never the customer's name or "
        "phone.",
        auth=[],
        responses={200: SurveyOutSerializer, **TOKEN_ERRORS},
        examples=[
            OpenApiExample("Open", value=SURVEY_EXAMPLE, response_only=True),
            OpenApiExample("Answered", value=ANSWERED_EXAMPLE, response_only=True),
        ],
    )
    def get(self, request: Request, token: str) -> Response:
        return Response(SurveyOutSerializer(survey_page(token=token)).data)

    @extend_schema(
        operation_id="survey_answer_record",
        summary="Answer a survey invitation (0-10), once",
        description="Records the answer as a rating of the use (the same as the app's "
        "feedback: a score of 0 to 6 opens a follow-up for the customer's agent, and a "
        "`feedback.detractor` webhook, once). Single use: the same answer posted again "
        "answers 200 with `Idempotent-Replayed: true` and records nothing; another answer "
        "is a 409 `survey_already_answered` (with the stored `answer`); a use already rated "
        "in the app is a 409 `feedback_exists`.",
        auth=[],
        request=SurveyInSerializer,
        responses={
            201: OpenApiResponse(SurveyOutSerializer, description="The answer is recorded."),
            200: OpenApiResponse(SurveyOutSerializer, description="The same answer, again."),
            **TOKEN_ERRORS,
            409: OpenApiResponse(
                AnsweredErrorSerializer, description="Answered already, or rated in the app."
            ),
        },
        examples=[
            OpenApiExample(
                "Answer", value={"score": 9, "comment": "Escort was on time."}, request_only=True
            ),
            OpenApiExample(
                "Answered", value=ANSWERED_EXAMPLE, response_only=True, status_codes=["201"]
            ),
        ],
    )
    def post(self, request: Request, token: str) -> Response:
        data_in = SurveyInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        result = survey_answer(
            token=token,
            score=data_in.validated_data["score"],
            comment=data_in.validated_data.get("comment", ""),
        )
        page = survey_page_of(invitation=result.invitation, answer=result.feedback)
        response = Response(
            SurveyOutSerializer(page).data,
            status=status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED,
        )
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response
