"""Refresh tokens: hashed at rest, rotation, theft detection by family, migration, admin."""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from accounts.models import RefreshToken, User
from accounts.services.sessions import start_session as issue_tokens

pytestmark = pytest.mark.django_db

REFRESH = """
mutation Refresh($refreshToken: String) {
  refreshToken(refreshToken: $refreshToken) { token refreshToken errors { code } }
}
"""


def refresh(value: str | None, client: Client | None = None) -> dict:
    response = (client or Client()).post(
        "/graphql",
        json.dumps({"query": REFRESH, "variables": {"refreshToken": value}}),
        content_type="application/json",
    )
    return response.json()["data"]["refreshToken"]


@contextmanager
def past_the_reuse_window(settings):
    """Later than JWT_REFRESH_REUSE_SECONDS after any rotation so far."""
    with freeze_time(timezone.now() + timedelta(seconds=settings.JWT_REFRESH_REUSE_SECONDS + 1)):
        yield


@pytest.fixture
def user() -> User:
    return User.objects.create_user(username="u1", email="u1@example.com")


def test_tokens_are_stored_hashed(user):
    issued = issue_tokens(user=user)
    row = RefreshToken.objects.get()
    assert issued.refresh_token_value not in row.token
    assert row.token == "sha256$" + hashlib.sha256(issued.refresh_token_value.encode()).hexdigest()
    assert issued.refresh_token_value not in str(row)


def test_rotation_keeps_family_and_revokes_old(user):
    first = issue_tokens(user=user)
    second = refresh(first.refresh_token_value)
    assert second["errors"] == []
    rows = list(RefreshToken.objects.order_by("pk"))
    assert len(rows) == 2
    assert rows[0].family == rows[1].family
    assert rows[0].revoked is not None and rows[0].rotated is not None
    assert rows[1].revoked is None


def test_replaying_rotated_token_revokes_that_family_only(user, settings):
    # given: two logins (two devices) of the same user
    device_a = issue_tokens(user=user)
    device_b = issue_tokens(user=user)
    rotated = refresh(device_a.refresh_token_value)["refreshToken"]
    # when: someone presents device A's first token again, later (it was stolen)
    with past_the_reuse_window(settings):
        replay = refresh(device_a.refresh_token_value)
        # then: refused, and the thief's chance is gone: A's current token is revoked too
        assert [e["code"] for e in replay["errors"]] == ["INVALID_REFRESH_TOKEN"]
        assert [e["code"] for e in refresh(rotated)["errors"]] == ["INVALID_REFRESH_TOKEN"]
        # while device B's session survives
        assert refresh(device_b.refresh_token_value)["errors"] == []


def test_replay_is_logged_without_token(user, all_logs, settings):
    first = issue_tokens(user=user)
    refresh(first.refresh_token_value)
    with past_the_reuse_window(settings):
        refresh(first.refresh_token_value)
    assert "refresh_token_reuse_detected" in all_logs.text
    assert first.refresh_token_value not in all_logs.text


def test_logged_out_token_is_invalid_without_family_revocation(user):
    first = issue_tokens(user=user)
    second = refresh(first.refresh_token_value)["refreshToken"]
    RefreshToken.objects.filter(token=RefreshToken.hash_token(second)).update(
        revoked="2026-01-01T00:00:00Z"
    )
    assert [e["code"] for e in refresh(second)["errors"]] == ["INVALID_REFRESH_TOKEN"]


@pytest.mark.django_db(transaction=True)
def test_data_migration_hashes_existing_plain_tokens():
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0001_initial")])
    old_apps = executor.loader.project_state([("accounts", "0001_initial")]).apps
    OldUser = old_apps.get_model("accounts", "User")
    OldToken = old_apps.get_model("accounts", "RefreshToken")
    user = OldUser.objects.create(username="legacy", password="!")
    OldToken.objects.create(user=user, token="plain-legacy-token-1")
    OldToken.objects.create(user=user, token="plain-legacy-token-2")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = list(RefreshToken.objects.order_by("pk"))
    assert [r.token for r in rows] == [
        RefreshToken.hash_token("plain-legacy-token-1"),
        RefreshToken.hash_token("plain-legacy-token-2"),
    ]
    assert rows[0].family != rows[1].family
    # and the legacy session still refreshes
    assert refresh("plain-legacy-token-1")["errors"] == []


def test_admin_lists_tokens_without_showing_them(user, admin_client):
    issued = issue_tokens(user=user)
    page = admin_client.get("/admin/accounts/refreshtoken/")
    assert page.status_code == 200
    body = page.content.decode()
    assert issued.refresh_token_value not in body
    assert RefreshToken.objects.get().token not in body
    response = admin_client.post(
        "/admin/accounts/refreshtoken/",
        {"action": "revoke", "_selected_action": [issued.refresh_token.pk]},
    )
    assert response.status_code == 302
    assert RefreshToken.objects.get().revoked is not None


def test_cleartokens_keeps_rotated_tokens_until_they_expire(user, settings):
    from io import StringIO

    from django.core.management import call_command

    # given: a rotated (revoked) token, and an expired one
    first = issue_tokens(user=user)
    assert refresh(first.refresh_token_value)["errors"] == []
    stale = issue_tokens(user=user)
    RefreshToken.objects.filter(pk=stale.refresh_token.pk).update(
        created=timezone.now() - timedelta(seconds=settings.JWT_REFRESH_TTL_SECONDS + 60)
    )
    # when
    call_command("cleartokens", "--expired", stdout=StringIO())
    # then: the expired row is gone, the rotated one still catches a replay
    assert not RefreshToken.objects.filter(pk=stale.refresh_token.pk).exists()
    assert RefreshToken.objects.count() == 2
    with past_the_reuse_window(settings):
        refresh(first.refresh_token_value)
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 0


def test_graphql_jwt_admin_for_its_unused_model_is_not_registered():
    from django.contrib import admin
    from graphql_jwt.refresh_token.models import RefreshToken as Unused

    assert not admin.site.is_registered(Unused)
    assert admin.site.is_registered(RefreshToken)
