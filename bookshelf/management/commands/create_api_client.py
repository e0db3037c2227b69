from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from bookshelf.integrations.models import ApiScope
from bookshelf.integrations.services import api_client_create
from bookshelf.ledger.models import Channel
from config.exceptions import DomainError
from customers.models import Agent


class Command(BaseCommand):
    help = "Create an API client and print its bearer token (shown once, stored hashed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The calling system, e.g. customer-app-backend.")
        parser.add_argument(
            "--scopes",
            nargs="+",
            default=None,
            choices=ApiScope.values,
            help="What the client may do (default: all; with --agent: worklist, the only "
            "scope an agent's token may have).",
        )
        parser.add_argument(
            "--agent",
            metavar="AGENT_NO",
            default=None,
            help="An agent's own token for the agents' mobile app: it acts as this agent, "
            "on their worklist only (scope worklist).",
        )
        parser.add_argument(
            "--channels",
            nargs="+",
            default=None,
            choices=Channel.values,
            help="The channels the client may record uses on, its default first "
            "(default: app only).",
        )
        lifetime = parser.add_mutually_exclusive_group()
        lifetime.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help="Token lifetime in days (default: API_CLIENT_TOKEN_DAYS, 365).",
        )
        lifetime.add_argument(
            "--never-expires",
            action="store_true",
            help="A token without an expiry (revoke it by hand when it is no longer needed).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["expires_days"]
        if days is None:
            days = settings.API_CLIENT_TOKEN_DAYS
        if days < 1:
            raise CommandError(_("--expires-days must be at least 1."))
        expires = None if options["never_expires"] else timezone.now() + timedelta(days=days)
        agent = None
        if options["agent"] is not None:
            agent = Agent.objects.filter(agent_no=options["agent"]).first()
            if agent is None:
                raise CommandError(_("No agent numbered %(no)s.") % {"no": options["agent"]})
        try:
            client, token = api_client_create(
                name=options["name"],
                scopes=options["scopes"],
                expires_at=expires,
                channels=options["channels"],
                agent_id=agent.pk if agent is not None else None,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _("Created API client %(name)s with scopes: %(scopes)s")
            % {"name": client.name, "scopes": ", ".join(client.scopes)}
        )
        self.stdout.write(_("Channels: %(channels)s") % {"channels": ", ".join(client.channels)})
        if agent is not None:
            self.stdout.write(_("Acts as agent %(no)s.") % {"no": agent.agent_no})
        if client.expires_at is not None:
            self.stdout.write(
                _("Expires on %(date)s.") % {"date": timezone.localdate(client.expires_at)}
            )
        else:
            self.stdout.write(_("Never expires: revoke it when it is no longer needed."))
        self.stdout.write(_("Token (shown once; send it as 'Authorization: Bearer <token>'):"))
        self.stdout.write(token)
